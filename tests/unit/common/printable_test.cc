#include "userspace/common/printable.h"

#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "userspace/common/printable_stream.h"

namespace allocprof {
namespace {

using std::string_literals::operator""s;

TEST(Printable, PlainAndUtf8TextIsKept) {
  EXPECT_EQ(Printable(""), "");
  EXPECT_EQ(Printable("ns::f<int>(a; b) [libc.so.6]"), "ns::f<int>(a; b) [libc.so.6]");
  EXPECT_EQ(Printable("größe_berechnen λ 😀"), "größe_berechnen λ 😀");
  EXPECT_EQ(Printable("C:\\path"), "C:\\path");
}

TEST(Printable, C0ControlsAndDelAreEscaped) {
  EXPECT_EQ(Printable("\x1b[2J\x1b]0;pwned\x07"), "\\x1b[2J\\x1b]0;pwned\\x07");
  EXPECT_EQ(Printable("a\nb\rc\td"), "a\\x0ab\\x0dc\\x09d");
  EXPECT_EQ(Printable("nul\0byte"s), "nul\\x00byte");
  EXPECT_EQ(Printable("\x7f"), "\\x7f");
}

TEST(Printable, C1ControlsAreEscapedAsCodePoints) {
  // U+009B (CSI) and U+0085 (NEL) in UTF-8.
  EXPECT_EQ(Printable("\xc2\x9b" "31m"), "\\u009b31m");
  EXPECT_EQ(Printable("\xc2\x85"), "\\u0085");
  EXPECT_EQ(Printable("\xc2\xa0"), "\xc2\xa0");  // U+00A0 is text
}

TEST(Printable, InvalidUtf8IsEscapedByteByByte) {
  EXPECT_EQ(Printable("\x9b" "31m"), "\\x9b31m");                // a raw 8-bit CSI
  EXPECT_EQ(Printable("\xc0\x8a"), "\\xc0\\x8a");                // overlong newline
  EXPECT_EQ(Printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");       // a surrogate
  EXPECT_EQ(Printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(Printable("end\xe2\x82"), "end\\xe2\\x82");           // cut short
}

TEST(Printable, ReorderingCharactersAreEscaped) {
  EXPECT_EQ(Printable("a\xe2\x80\xae" "cba"), "a\\u202ecba");  // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(Printable("\xe2\x81\xa6"), "\\u2066");             // LEFT-TO-RIGHT ISOLATE
}

TEST(Printable, EscapingTwiceChangesNothing) {
  const std::string once = Printable("\x1b\xc2\x9b\x9b\n");
  EXPECT_EQ(Printable(once), once);
}

TEST(PrintableLines, EscapesEachLineAndKeepsTheBreaks) {
  std::ostringstream terminal;
  {
    PrintableLines log(terminal);
    log << "allocprof: probe /tmp/\x1b[2Jevil.so: " << 42 << "\n";
    log << "second\r line" << std::endl;
    log << "unfinished \x07";
  }
  EXPECT_EQ(terminal.str(),
            "allocprof: probe /tmp/\\x1b[2Jevil.so: 42\n"
            "second\\x0d line\n"
            "unfinished \\x07");
}

}  // namespace
}  // namespace allocprof
