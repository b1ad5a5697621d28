#include "userspace/attach/thp_policy.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace allocprof {
namespace {

constexpr char kThpDir[] = "/sys/kernel/mm/transparent_hugepage";

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

ThpMode ParseThpSetting(absl::string_view setting, ThpMode inherited) {
  const size_t open = setting.find('[');
  const size_t close = setting.find(']', open);
  if (open == absl::string_view::npos || close == absl::string_view::npos) {
    return inherited;  // not a setting: the kernel has none of its own
  }
  const absl::string_view chosen = setting.substr(open + 1, close - open - 1);
  if (chosen == "always") return ThpMode::kAlways;
  if (chosen == "madvise") return ThpMode::kMadvise;
  if (chosen == "inherit") return inherited;
  return ThpMode::kNever;
}

ThpPolicy TransparentHugePages() {
  ThpPolicy policy;
  const std::string dir = kThpDir;
  const ThpMode top = ParseThpSetting(ReadSmallFile(dir + "/enabled"), ThpMode::kNever);
  uint64_t pmd_size = 0;
  if (absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadSmallFile(dir + "/hpage_pmd_size")),
                       &pmd_size) &&
      pmd_size != 0) {
    policy.size = pmd_size;
  }
  const uint64_t pmd_kib = policy.size >> 10;
  policy.mode = ParseThpSetting(
      ReadSmallFile(absl::StrCat(dir, "/hugepages-", pmd_kib, "kB/enabled")), top);
  // Multi-size THP: one directory per size.
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* entry = readdir(d)) {
      absl::string_view name = entry->d_name;
      uint64_t kib = 0;
      if (!absl::ConsumePrefix(&name, "hugepages-") || !absl::ConsumeSuffix(&name, "kB") ||
          !absl::SimpleAtoi(name, &kib) || kib == pmd_kib) {
        continue;
      }
      // A size without a setting of its own is not one anonymous memory
      // can use (the kernel lists some for files and shmem only).
      const std::string setting =
          ReadSmallFile(absl::StrCat(dir, "/", entry->d_name, "/enabled"));
      if (!setting.empty() && ParseThpSetting(setting, top) != ThpMode::kNever) {
        policy.other_sizes_kib.push_back(kib);
      }
    }
    closedir(d);
  }
  std::sort(policy.other_sizes_kib.begin(), policy.other_sizes_kib.end());
  return policy;
}

std::string ThpNote(const ThpPolicy& policy) {
  if (policy.other_sizes_kib.empty()) return "";
  return absl::StrCat(
      "transparent huge pages of ",
      absl::StrJoin(policy.other_sizes_kib, ", ",
                    [](std::string* out, uint64_t kib) { absl::StrAppend(out, kib, " KiB"); }),
      " are enabled on this host: a write fault may make such a block resident, "
      "counted here as one page, so page figures may be low");
}

}  // namespace allocprof
