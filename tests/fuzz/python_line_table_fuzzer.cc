// CPython's line tables (userspace/python/lnotab.h, line_table_310.h,
// line_table.h), read from the target interpreter's memory: the input is
// a first line and a byte offset (4 bytes each, little-endian) then the
// table, which every format's decoder reads. Checks that each decodes
// without reading past the table's end (ASan) and gives a line that a
// table of this length can reach.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "tests/fuzz/fuzz_check.h"
#include "userspace/python/line_table.h"
#include "userspace/python/line_table_310.h"
#include "userspace/python/lnotab.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  int32_t first_line = 0, offset = 0;
  std::memcpy(&first_line, data, 4);
  std::memcpy(&offset, data + 4, 4);
  // Only the bytes of the table: a copy, so ASan sees a read past it.
  const std::string table(reinterpret_cast<const char*>(data + 8), size - 8);

  // 3.11 on: each entry covers at most 16 bytes of code.
  const std::optional<int> line = allocprof::PythonLineOf(table, first_line, offset);
  if (offset < 0) FUZZ_CHECK(line == first_line);
  if (line && offset >= 0) FUZZ_CHECK(*line >= 0);
  if (offset >= 0 && static_cast<uint64_t>(offset) >= 16 * table.size()) FUZZ_CHECK(!line);

  // 3.10: a pair covers at most 255 bytes.
  const std::optional<int> line310 = allocprof::Python310LineOf(table, first_line, offset);
  if (offset < 0) FUZZ_CHECK(line310 == first_line);
  if (line310 && offset >= 0) FUZZ_CHECK(*line310 >= 0);
  if (offset >= 0 && static_cast<uint64_t>(offset) >= 255 * (table.size() / 2)) {
    FUZZ_CHECK(!line310);
  }

  // 3.8, 3.9: every offset has a line, 127 a pair from the first at most.
  const std::optional<int> lnotab = allocprof::PythonLnotabLineOf(table, first_line, offset);
  if (lnotab) {
    FUZZ_CHECK(*lnotab >= 0);
    const int64_t reach = 128 * static_cast<int64_t>(table.size() / 2);
    FUZZ_CHECK(*lnotab >= static_cast<int64_t>(first_line) - reach &&
               *lnotab <= static_cast<int64_t>(first_line) + reach);
  }
  return 0;
}
