// CPython 3.11's location tables (userspace/python/line_table.h), read from
// the target interpreter's memory: the input is a first line and a byte
// offset (4 bytes each, little-endian) then the table. Checks that every
// offset up to the table's reach decodes without reading past its end
// (ASan) and gives a line that a table of this length can reach.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "tests/fuzz/fuzz_check.h"
#include "userspace/python/line_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  int32_t first_line = 0, offset = 0;
  std::memcpy(&first_line, data, 4);
  std::memcpy(&offset, data + 4, 4);
  // Only the bytes of the table: a copy, so ASan sees a read past it.
  const std::string table(reinterpret_cast<const char*>(data + 8), size - 8);
  const std::optional<int> line = allocprof::PythonLineOf(table, first_line, offset);
  if (offset < 0) FUZZ_CHECK(line == first_line);
  if (line && offset >= 0) FUZZ_CHECK(*line >= 0);
  // Each entry covers at most 16 bytes of code: past that, no line.
  if (offset >= 0 && static_cast<uint64_t>(offset) >= 16 * table.size()) FUZZ_CHECK(!line);
  return 0;
}
