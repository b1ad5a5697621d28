#include "userspace/symbols/maps_line.h"

#include <charconv>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace allocprof {
namespace {

constexpr absl::string_view kDeletedSuffix = " (deleted)";

// Takes the next run of non-blank characters off the front of `rest`.
absl::string_view NextField(absl::string_view* rest) {
  size_t begin = rest->find_first_not_of(" \t");
  if (begin == absl::string_view::npos) begin = rest->size();
  rest->remove_prefix(begin);
  size_t end = rest->find_first_of(" \t");
  if (end == absl::string_view::npos) end = rest->size();
  absl::string_view field = rest->substr(0, end);
  rest->remove_prefix(end);
  return field;
}

// Whole-field hexadecimal number, no sign, no "0x": the kernel prints
// these columns with %lx / %x.
template <typename T>
bool ParseHex(absl::string_view text, T* out) {
  if (text.empty()) return false;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out, 16);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool ParseDecimal(absl::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out, 10);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

absl::StatusOr<MapsEntry> ParseMapsLine(absl::string_view line) {
  absl::ConsumeSuffix(&line, "\n");
  auto invalid = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed maps line (", what, "): \"", line, "\""));
  };

  absl::string_view rest = line;
  MapsEntry e;

  absl::string_view range = NextField(&rest);
  size_t dash = range.find('-');
  if (dash == absl::string_view::npos ||
      !ParseHex(range.substr(0, dash), &e.start) ||
      !ParseHex(range.substr(dash + 1), &e.end) || e.end < e.start) {
    return invalid("address range");
  }

  absl::string_view perms = NextField(&rest);
  if (perms.size() != 4) return invalid("permissions");
  e.readable = perms[0] == 'r';
  e.writable = perms[1] == 'w';
  e.executable = perms[2] == 'x';
  e.shared = perms[3] == 's';

  if (!ParseHex(NextField(&rest), &e.offset)) return invalid("offset");

  absl::string_view dev = NextField(&rest);
  size_t colon = dev.find(':');
  if (colon == absl::string_view::npos ||
      !ParseHex(dev.substr(0, colon), &e.dev_major) ||
      !ParseHex(dev.substr(colon + 1), &e.dev_minor)) {
    return invalid("device");
  }

  if (!ParseDecimal(NextField(&rest), &e.inode)) return invalid("inode");

  // The path is everything after the blanks that pad the inode column; it
  // may itself contain blanks, so it is not split further.
  size_t path_begin = rest.find_first_not_of(" \t");
  if (path_begin != absl::string_view::npos) {
    absl::string_view path = rest.substr(path_begin);
    // Only a file can be deleted; a pseudo name never carries the suffix.
    if (e.inode != 0 && absl::ConsumeSuffix(&path, kDeletedSuffix)) {
      e.deleted = true;
    }
    e.path = std::string(path);
  }
  return e;
}

}  // namespace allocprof
