#include "userspace/python/line_table.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/python/line_table_sample.h"

namespace allocprof {
namespace {

using Sample = LineTableSample;

// Real code objects of CPython 3.11 with the lines co_lines() gives every
// instruction (make_line_tables.py): short forms, one-line forms, long
// forms with large and negative deltas, entries without a line.
const std::vector<Sample>& Samples() {
  static const std::vector<Sample> samples = {
#include "tests/unit/python/line_tables.inc"
  };
  return samples;
}

TEST(PythonLineTableTest, EveryInstructionOfRealCodeObjectsAsCPythonHasIt) {
  ASSERT_GE(Samples().size(), 6u);
  int checked = 0, without_line = 0;
  for (const Sample& s : Samples()) {
    for (const auto& [offset, line] : s.lines) {
      const std::optional<int> got = PythonLineOf(s.bytes(), s.first_line, offset);
      if (line < 0) {
        EXPECT_EQ(got, std::nullopt) << s.qualname << " at " << offset;
        ++without_line;
      } else {
        EXPECT_EQ(got, line) << s.qualname << " at " << offset;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_GT(without_line, 0);
}

TEST(PythonLineTableTest, BeforeTheFirstInstructionIsTheFirstLine) {
  const Sample& s = Samples()[0];
  EXPECT_EQ(PythonLineOf(s.bytes(), s.first_line, -2), s.first_line);
}

TEST(PythonLineTableTest, PastTheTableIsNoLine) {
  for (const Sample& s : Samples()) {
    const int past = s.lines.back().first + 2;
    EXPECT_EQ(PythonLineOf(s.bytes(), s.first_line, past), std::nullopt) << s.qualname;
  }
  EXPECT_EQ(PythonLineOf("", 1, 0), std::nullopt);
}

TEST(PythonLineTableTest, MalformedTablesGiveNoLineAndReadNothingPastTheirEnd) {
  // An entry that does not start with its top bit set.
  EXPECT_EQ(PythonLineOf(std::string("\x00\x01", 2), 1, 0), std::nullopt);
  // A long form (code 14) whose varint the table ends in the middle of.
  EXPECT_EQ(PythonLineOf(std::string("\xf0\x41", 2), 1, 0), std::nullopt);
  // A varint longer than any int, and one cut short by the next entry.
  EXPECT_EQ(PythonLineOf(std::string("\xf0\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x01", 9), 1, 0),
            std::nullopt);
  EXPECT_EQ(PythonLineOf(std::string("\xf0\x41\x80", 3), 1, 0), std::nullopt);
  // A delta that takes the line below 0.
  EXPECT_EQ(PythonLineOf(std::string("\xe8\x0b", 2), 1, 0), std::nullopt);
  // Every truncation of every real table either gives CPython's line or
  // none, and never crashes (ASan builds check the reads).
  for (const Sample& s : Samples()) {
    const std::string table = s.bytes();
    for (size_t n = 0; n < table.size(); ++n) {
      for (const auto& [offset, line] : s.lines) {
        const std::optional<int> got = PythonLineOf(table.substr(0, n), s.first_line, offset);
        if (got) {
          EXPECT_EQ(*got, line) << s.qualname << " cut at " << n << ", offset " << offset;
        }
      }
    }
  }
}

TEST(PythonLineTableTest, OneLineFormsAddTheirDelta) {
  // Code 10, 11, 12: the line, one below, two below; 1 code unit each.
  const std::string table("\xd0\xd8\xe0", 3);
  EXPECT_EQ(PythonLineOf(table, 5, 0), 5);
  EXPECT_EQ(PythonLineOf(table, 5, 2), 6);
  EXPECT_EQ(PythonLineOf(table, 5, 4), 8);
}

}  // namespace
}  // namespace allocprof
