#include "userspace/outputs/pprof/utf8_strings.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "tests/unit/outputs/pprof/protoc_text.h"

namespace allocprof {
namespace {

TEST(ValidUtf8, ValidTextIsUnchanged) {
  for (const char* text : {"", "malloc", "größe_berechnen", "日本語", "emoji \xF0\x9F\x98\x80",
                           "\xF4\x8F\xBF\xBF"}) {
    EXPECT_EQ(ValidUtf8(text), text);
  }
}

TEST(ValidUtf8, EachBadByteBecomesAReplacementCharacter) {
  EXPECT_EQ(ValidUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(ValidUtf8("caf\xE9"), "caf\xEF\xBF\xBD");              // Latin-1
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");     // overlong '/'
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80"),                              // surrogate
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(ValidUtf8("\xF4\x90\x80\x80").size(), 12u);             // > U+10FFFF
  EXPECT_EQ(ValidUtf8("end\xE6\x97"), "end\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
}

TEST(ProfileWithValidUtf8, RepairsOnlyTheStringTable) {
  absl::StatusOr<std::string> bytes = EncodePprofText(R"pb(
    sample_type { type: 1 unit: 2 }
    string_table: "" string_table: "inuse_space" string_table: "XXXX"
    time_nanos: 5
  )pb");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  std::string raw = absl::StrReplaceAll(*bytes, {{"XXXX", "\xFF\xFE\xFD\xFC"}});
  absl::StatusOr<std::string> repaired = ProfileWithValidUtf8(raw);
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  // The entry grows from 4 bytes to 4 replacement characters of 3 bytes.
  std::string expected = absl::StrReplaceAll(
      *bytes, {{"\x04XXXX", "\x0c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}});
  ASSERT_NE(expected, *bytes);
  EXPECT_EQ(*repaired, expected);
  absl::StatusOr<std::string> same = ProfileWithValidUtf8(*bytes);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, *bytes);
}

TEST(ProfileWithValidUtf8, MalformedWireDataFails) {
  EXPECT_FALSE(ProfileWithValidUtf8("\x32\x10short").ok());  // length past the end
  EXPECT_FALSE(ProfileWithValidUtf8("\x08").ok());           // varint cut short
  EXPECT_FALSE(ProfileWithValidUtf8("\x0b").ok());           // a group
  EXPECT_TRUE(ProfileWithValidUtf8("").ok());
}

}  // namespace
}  // namespace allocprof
