#include "userspace/evidence/hex_dump.h"

#include <gtest/gtest.h>

#include <string>

namespace allocprof {
namespace {

using namespace std::string_literals;

TEST(HexDump, FullAndShortLines) {
  const std::string bytes = "GET /index.html\0\x01\xff"s "abc";
  const auto lines = HexDumpLines(bytes);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "0000  47 45 54 20 2f 69 6e 64  65 78 2e 68 74 6d 6c 00  "
            "|GET /index.html.|");
  EXPECT_EQ(lines[1],
            "0010  01 ff 61 62 63                                    "
            "|..abc|");
}

TEST(HexDump, Empty) { EXPECT_TRUE(HexDumpLines("").empty()); }

TEST(PrintableStrings, RunsOfFourOrMore) {
  const std::string bytes = "\x01req-42\0ab\0\0https://x.example/a?b=c\x7f"s;
  const auto strings = PrintableStrings(bytes);
  ASSERT_EQ(strings.size(), 2u);
  EXPECT_EQ(strings[0], "req-42");
  EXPECT_EQ(strings[1], "https://x.example/a?b=c");
  EXPECT_EQ(PrintableStrings("abcd").front(), "abcd");
  EXPECT_TRUE(PrintableStrings("abc").empty());
}

}  // namespace
}  // namespace allocprof
