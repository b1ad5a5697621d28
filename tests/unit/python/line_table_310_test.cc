#include "userspace/python/line_table_310.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace allocprof {
namespace {

// The example of CPython 3.10's Objects/lnotab_notes.txt, from line 0:
// [0,6) line 1, [6,50) 2, [50,350) 7 (a range longer than 254 bytes split
// in two), [350,360) no line, [360,376) 8, an empty range that moves the
// line by 127 on its own, [376,380) 208.
const std::string kNotesExample("\x06\x01\x2c\x01\xfe\x05\x2e\x00\x0a\x80\x10\x01\x00\x7f\x04\x49",
                                16);

TEST(Python310LineTableTest, TheFormatNotesExample) {
  const std::vector<std::pair<int, int>> lines = {
      {0, 1},   {5, 1},   {6, 2},    {49, 2},   {50, 7},    {303, 7},   {304, 7},
      {349, 7}, {350, -1}, {359, -1}, {360, 8}, {375, 8}, {376, 208}, {379, 208}};
  for (const auto& [offset, line] : lines) {
    const std::optional<int> got = Python310LineOf(kNotesExample, 0, offset);
    if (line < 0) {
      EXPECT_EQ(got, std::nullopt) << offset;
    } else {
      EXPECT_EQ(got, line) << offset;
    }
  }
}

TEST(Python310LineTableTest, BeforeTheFirstInstructionIsTheFirstLinePastTheTableNone) {
  EXPECT_EQ(Python310LineOf(kNotesExample, 3, -2), 3);
  EXPECT_EQ(Python310LineOf(kNotesExample, 3, 380), std::nullopt);
  EXPECT_EQ(Python310LineOf("", 3, 0), std::nullopt);
}

TEST(Python310LineTableTest, MalformedTablesGiveNoLineAndReadNothingPastTheirEnd) {
  // A table that ends in the middle of a pair.
  EXPECT_EQ(Python310LineOf(std::string("\x06\x01\x04", 3), 1, 6), std::nullopt);
  // One that ends in an empty range, which CPython would decode past.
  EXPECT_EQ(Python310LineOf(std::string("\x06\x01\x00\x01", 4), 1, 6), std::nullopt);
  EXPECT_EQ(Python310LineOf(std::string("\x06\x01\x00\x01", 4), 1, 0), 2);
  // A delta that takes the line below 0.
  EXPECT_EQ(Python310LineOf(std::string("\x02\x81", 2), 1, 0), std::nullopt);
  // A megabyte of empty ranges of the largest delta does not overflow; a
  // first line near INT32_MAX does not either.
  std::string huge;
  for (int i = 0; i < (1 << 19); ++i) huge += std::string("\x00\x7f", 2);
  huge += std::string("\x02\x00", 2);
  EXPECT_EQ(Python310LineOf(huge, 1, 0), 1 + (1 << 19) * 127);
  EXPECT_EQ(Python310LineOf(huge, INT32_MAX - 5, 0), std::nullopt);
  // Every truncation of the example gives its line or none.
  for (size_t n = 0; n < kNotesExample.size(); ++n) {
    for (int offset = 0; offset < 380; offset += 2) {
      const std::optional<int> got = Python310LineOf(kNotesExample.substr(0, n), 0, offset);
      if (got) EXPECT_EQ(got, Python310LineOf(kNotesExample, 0, offset)) << n << " " << offset;
    }
  }
}

}  // namespace
}  // namespace allocprof
