#include "userspace/python/lnotab.h"

#include <cstdint>

namespace allocprof {

std::optional<int> PythonLnotabLineOf(absl::string_view table, int first_line, int offset) {
  // 64 bits: 127 a pair over a megabyte of table cannot overflow it.
  int64_t line = first_line;
  int64_t addr = 0;
  for (size_t i = 0; i + 1 < table.size(); i += 2) {
    addr += static_cast<uint8_t>(table[i]);
    if (addr > offset) break;
    line += static_cast<int8_t>(table[i + 1]);
  }
  if (line < 0 || line > INT32_MAX) return std::nullopt;
  return static_cast<int>(line);
}

}  // namespace allocprof
