#include "userspace/python/lnotab.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/python/line_table_sample.h"

namespace allocprof {
namespace {

// Real code objects of CPython 3.9 with the line its PyCode_Addr2Line
// gives every instruction (make_line_tables.py): one-line steps, deltas
// past 127 split over pairs, lines that go back.
const std::vector<LineTableSample>& Samples() {
  static const std::vector<LineTableSample> samples = {
#include "tests/unit/python/lnotabs.inc"
  };
  return samples;
}

TEST(PythonLnotabTest, EveryInstructionOfRealCodeObjectsAsCPythonHasIt) {
  ASSERT_GE(Samples().size(), 6u);
  int checked = 0;
  for (const LineTableSample& s : Samples()) {
    for (const auto& [offset, line] : s.lines) {
      EXPECT_EQ(PythonLnotabLineOf(s.bytes(), s.first_line, offset), line)
          << s.qualname << " at " << offset;
      ++checked;
    }
  }
  EXPECT_GT(checked, 60);
}

TEST(PythonLnotabTest, BeforeTheFirstInstructionIsTheFirstLineAndPastTheTableTheLast) {
  const LineTableSample& s = Samples()[0];
  EXPECT_EQ(PythonLnotabLineOf(s.bytes(), s.first_line, -2), s.first_line);
  EXPECT_EQ(PythonLnotabLineOf(s.bytes(), s.first_line, 100000), s.lines.back().second);
  EXPECT_EQ(PythonLnotabLineOf("", 7, 0), 7);
}

TEST(PythonLnotabTest, MalformedTablesReadNothingPastTheirEnd) {
  // A trailing odd byte is no pair: CPython sizes the table in pairs.
  EXPECT_EQ(PythonLnotabLineOf(std::string("\x02\x01\x02", 3), 5, 10), 6);
  // A delta that takes the line below 0.
  EXPECT_EQ(PythonLnotabLineOf(std::string("\x00\x80", 2), 1, 0), std::nullopt);
  // A megabyte (the most code_names.h reads) of the largest deltas does
  // not overflow; a first line near INT32_MAX does not either.
  std::string huge;
  for (int i = 0; i < (1 << 19); ++i) huge += std::string("\x00\x7f", 2);
  EXPECT_EQ(PythonLnotabLineOf(huge, 1, 0), 1 + (1 << 19) * 127);
  EXPECT_EQ(PythonLnotabLineOf(huge, INT32_MAX - 5, 0), std::nullopt);
  // Every truncation of every real table gives CPython's line for it.
  for (const LineTableSample& s : Samples()) {
    const std::string table = s.bytes();
    for (size_t n = 0; n < table.size(); ++n) {
      const std::optional<int> got = PythonLnotabLineOf(table.substr(0, n), s.first_line, 0);
      EXPECT_TRUE(got.has_value()) << s.qualname << " cut at " << n;
    }
  }
}

}  // namespace
}  // namespace allocprof
