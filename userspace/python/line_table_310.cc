#include "userspace/python/line_table_310.h"

#include <cstdint>

namespace allocprof {
namespace {

constexpr int kNoLine = -128;

}  // namespace

std::optional<int> Python310LineOf(absl::string_view table, int first_line, int offset) {
  if (offset < 0) return first_line;
  int64_t line = first_line;
  int64_t end = 0;
  size_t next = 0;
  // _PyCode_CheckLineNumber: advance range by range while the range ends
  // at or before the offset; PyLineTable_NextAddressRange skips empty
  // ranges, adding their deltas.
  while (end <= offset) {
    bool has_line = false;
    int64_t start = end;
    do {
      // CPython asserts that an empty range is never the table's last;
      // a hostile table's is where its decoding would run off the end.
      if (next + 1 >= table.size()) return std::nullopt;
      start = end;
      end += static_cast<uint8_t>(table[next]);
      const int delta = static_cast<int8_t>(table[next + 1]);
      next += 2;
      has_line = delta != kNoLine;
      if (has_line) line += delta;
    } while (start == end);
    if (end > offset) {
      if (!has_line || line < 0 || line > INT32_MAX) return std::nullopt;
      return static_cast<int>(line);
    }
  }
  return std::nullopt;
}

}  // namespace allocprof
