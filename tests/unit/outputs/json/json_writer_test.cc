#include "userspace/outputs/json/json_writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/unit/outputs/json/sample_profile.h"

namespace allocprof {
namespace {

std::string GoldenPath() {
  return std::string(ALLOCPROF_JSON_TESTDATA) + "/sample_profile.json";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The schema is a promise to scripts: any change to what is written shows
// up here, and docs/json-schema.md must change with it. To accept a
// deliberate change, run with ALLOCPROF_UPDATE_GOLDEN=1 and review the diff.
TEST(JsonWriter, MatchesTheGoldenFile) {
  std::string written = ProfileToJson(SampleProfile());
  if (std::getenv("ALLOCPROF_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(GoldenPath(), std::ios::binary) << written;
    GTEST_SKIP() << "rewrote " << GoldenPath();
  }
  std::string golden = ReadFile(GoldenPath());
  ASSERT_FALSE(golden.empty()) << "cannot read " << GoldenPath();
  EXPECT_EQ(written, golden);
}

TEST(JsonWriter, SchemaAndVersionComeFirst) {
  std::string written = ProfileToJson(Profile());
  EXPECT_EQ(written.rfind("{\n  \"schema\": \"allocprof-profile\",\n"
                          "  \"version\": {\n    \"major\": 1,\n    \"minor\": 3\n  },\n",
                          0),
            0u)
      << written;
}

TEST(JsonWriter, NamesAreEscapedNotMangled) {
  std::string written = ProfileToJson(SampleProfile());
  EXPECT_NE(written.find(R"("function": "say \"hi\" \\ back")"), std::string::npos);
  EXPECT_NE(written.find(R"j("function": "operator()(int; char)")j"), std::string::npos);
  // UTF-8 as it is, not \u escapes: the file stays readable.
  EXPECT_NE(written.find("\"function\": \"größe_berechnen λ 😀\""), std::string::npos);
  EXPECT_NE(written.find(LongTemplateName(20)), std::string::npos);
}

TEST(JsonWriter, AddressesAreHexStringsCountsAreExact) {
  std::string written = ProfileToJson(SampleProfile());
  EXPECT_NE(written.find(R"("address": "0xffffffffff600000")"), std::string::npos);
  EXPECT_NE(written.find("\"events\": 1152921504606846977,"), std::string::npos);
  EXPECT_NE(written.find(R"("start_time": "2024-05-01T12:00:00.123456789Z")"),
            std::string::npos);
}

TEST(JsonWriter, InvalidUtf8IsReplacedNotFatal) {
  Profile profile;
  profile.target = "PID 1 (bad\xff\xfename)";
  std::string written = ProfileToJson(profile);
  EXPECT_NE(written.find("\"target\": \"PID 1 (bad\xEF\xBF\xBD\xEF\xBF\xBDname)\""),
            std::string::npos)
      << written;
}

TEST(JsonWriter, FileErrorsNameThePath) {
  absl::Status status =
      WriteJsonFile("/nonexistent-dir/profile.json", SampleProfile());
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.message(),
            "cannot write JSON profile /nonexistent-dir/profile.json: "
            "directory /nonexistent-dir: No such file or directory");
}

TEST(JsonWriter, StreamAndFileWriteTheSameText) {
  std::ostringstream out;
  ASSERT_TRUE(WriteJson(out, SampleProfile()).ok());
  EXPECT_EQ(out.str(), ProfileToJson(SampleProfile()));

  std::string path = testing::TempDir() + "/json_writer_test.json";
  ASSERT_TRUE(WriteJsonFile(path, SampleProfile()).ok());
  EXPECT_EQ(ReadFile(path), out.str());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace allocprof
