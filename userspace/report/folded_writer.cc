#include "userspace/report/folded_writer.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace allocprof {

std::string FoldedFrameName(const std::string& name) {
  if (name.empty()) return "[unknown]";
  return absl::StrReplaceAll(name, {{";", "_"}, {"\n", "_"}, {"\r", "_"}});
}

void WriteFolded(std::ostream& out,
                 const std::vector<std::pair<StackRef, Usage>>& stacks,
                 StackNames& names) {
  absl::flat_hash_map<std::string, int64_t> lines;
  for (const auto& [ref, usage] : stacks) {
    int64_t bytes = usage.outstanding_bytes();
    if (bytes <= 0) continue;
    const NamedStack& stack = names.Name(ref);
    std::string line;
    if (stack.lost_errno != 0) line = "[stack lost]";
    for (auto it = stack.frames.rbegin(); it != stack.frames.rend(); ++it) {
      if (!line.empty()) line += ';';
      line += FoldedFrameName(it->DisplayName());
    }
    if (line.empty()) line = "[unknown]";
    lines[line] += bytes;
  }
  std::vector<std::pair<std::string, int64_t>> sorted(lines.begin(), lines.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  for (const auto& [line, bytes] : sorted) out << line << ' ' << bytes << '\n';
}

}  // namespace allocprof
