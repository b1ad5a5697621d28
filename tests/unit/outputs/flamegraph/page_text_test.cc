#include "userspace/outputs/flamegraph/page_text.h"

#include <gtest/gtest.h>

namespace allocprof {
namespace {

std::string Json(std::string_view text) {
  std::string out;
  AppendJsonString(&out, text);
  return out;
}

TEST(AppendJsonString, PlainTextIsQuoted) {
  EXPECT_EQ(Json(""), "\"\"");
  EXPECT_EQ(Json("std::vector<int>::push_back(int&&)"),
            "\"std::vector\\u003cint\\u003e::push_back(int\\u0026\\u0026)\"");
}

TEST(AppendJsonString, QuotesBackslashesAndControls) {
  EXPECT_EQ(Json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Json("\n\r\t\x01\x7f"), "\"\\n\\r\\t\\u0001\\u007f\"");
}

TEST(AppendJsonString, ScriptEndAndCdataEndCannotAppear) {
  EXPECT_EQ(Json("</script>"), "\"\\u003c/script\\u003e\"");
  EXPECT_EQ(Json("]]>"), "\"]]\\u003e\"");
}

TEST(AppendJsonString, BeyondAsciiIsEscaped) {
  EXPECT_EQ(Json("\xc3\xa9"), "\"\\u00e9\"");                  // é
  EXPECT_EQ(Json("\xe2\x80\xa8"), "\"\\u2028\"");              // line separator
  EXPECT_EQ(Json("\xef\xbf\xbe"), "\"\\ufffe\"");              // not XML text
  EXPECT_EQ(Json("\xf0\x9f\x94\xa5"), "\"\\ud83d\\udd25\"");  // 🔥, a surrogate pair
}

TEST(AppendJsonString, MalformedUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(Json("a\xff" "b"), "\"a\\ufffdb\"");
  EXPECT_EQ(Json("\xe6\x97"), "\"\\ufffd\\ufffd\"");          // cut short
  EXPECT_EQ(Json("\xc0\xaf"), "\"\\ufffd\\ufffd\"");          // overlong '/'
  EXPECT_EQ(Json("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
}

TEST(MarkupText, EscapesMarkupKeepsUnicode) {
  EXPECT_EQ(MarkupText("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(MarkupText("\xe6\x97\xa5\xe6\x9c\xac"), "\xe6\x97\xa5\xe6\x9c\xac");
  EXPECT_EQ(MarkupText("a\x01\nb\xff"), "a  b\xef\xbf\xbd");
}

}  // namespace
}  // namespace allocprof
