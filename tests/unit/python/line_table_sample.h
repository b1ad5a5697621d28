// A code object's line table with the line CPython gives each of its
// instructions, as make_line_tables.py writes them (line_tables.inc,
// lnotabs.inc).
#ifndef ALLOCPROF_TESTS_UNIT_PYTHON_LINE_TABLE_SAMPLE_H_
#define ALLOCPROF_TESTS_UNIT_PYTHON_LINE_TABLE_SAMPLE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace allocprof {

struct LineTableSample {
  const char* qualname;
  int first_line;
  std::vector<uint8_t> table;
  // (byte offset, line CPython gives it; -1: none).
  std::vector<std::pair<int, int>> lines;

  std::string bytes() const { return std::string(table.begin(), table.end()); }
};

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_PYTHON_LINE_TABLE_SAMPLE_H_
