#include "userspace/outputs/json/json_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/unit/outputs/json/profile_equal.h"
#include "tests/unit/outputs/json/sample_profile.h"
#include "userspace/evidence/growth_score.h"
#include "userspace/outputs/json/json_writer.h"

namespace allocprof {
namespace {

// A document with the header every profile has, and `rest` after it.
std::string Doc(const std::string& rest) {
  std::string doc = R"({"schema": "allocprof-profile", "version": {"major": 1, "minor": 0})";
  if (!rest.empty()) doc += ", " + rest;
  return doc + "}";
}

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<Profile> profile = ProfileFromJson(text);
  return profile.ok() ? "(read without error)" : std::string(profile.status().message());
}

TEST(JsonReader, RoundTripGivesTheSameProfile) {
  Profile original = SampleProfile();
  absl::StatusOr<Profile> read = ProfileFromJson(ProfileToJson(original));
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSameProfile(original, *read);
}

TEST(JsonReader, RoundTripThroughAFileAndAStream) {
  Profile original = SampleProfile();
  std::string path = testing::TempDir() + "/json_reader_test.json";
  ASSERT_TRUE(WriteJsonFile(path, original).ok());
  absl::StatusOr<Profile> from_file = ReadJsonFile(path);
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  ExpectSameProfile(original, *from_file);
  std::remove(path.c_str());

  std::istringstream in(ProfileToJson(original));
  absl::StatusOr<Profile> from_stream = ReadJson(in);
  ASSERT_TRUE(from_stream.ok()) << from_stream.status();
  ExpectSameProfile(original, *from_stream);
}

TEST(JsonReader, TheGoldenFileReadsBack) {
  // The file a script would find: read as written, not merely as this
  // writer writes today.
  absl::StatusOr<Profile> read =
      ReadJsonFile(std::string(ALLOCPROF_JSON_TESTDATA) + "/sample_profile.json");
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSameProfile(SampleProfile(), *read);
}

// `allocprof report saved.json` must name the same leak suspects as the
// live session did: their history is in the file.
TEST(JsonReader, LeakSuspectsSurviveTheRoundTrip) {
  const Profile original = SampleProfile();
  const std::vector<LeakSuspect> before = LeakSuspects(original);
  ASSERT_EQ(before.size(), 1u);
  absl::StatusOr<Profile> read = ProfileFromJson(ProfileToJson(original));
  ASSERT_TRUE(read.ok()) << read.status();
  const std::vector<LeakSuspect> after = LeakSuspects(*read);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].stack, before[0].stack);
  EXPECT_DOUBLE_EQ(after[0].growth.score, before[0].growth.score);
}

TEST(JsonReader, BadPeekBytesAreNamed) {
  absl::StatusOr<Profile> read = ProfileFromJson(R"({
    "schema": "allocprof-profile", "version": {"major": 1, "minor": 1},
    "stacks": [{"evidence": {"peeks": [{"bytes_hex": "4g"}]}}]})");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(),
            "stacks[0].evidence.peeks[0].bytes_hex: expected hex digits, two "
            "a byte (\"48690a\")");
}

TEST(JsonReader, TheDocumentedExampleReads) {
  // docs/json-schema.md's example, so that the document cannot drift from
  // what the reader accepts.
  std::ifstream in(std::string(ALLOCPROF_DOCS_DIR) + "/json-schema.md");
  std::stringstream doc;
  doc << in.rdbuf();
  std::string text = doc.str();
  size_t example = text.find("## Example");
  ASSERT_NE(example, std::string::npos);
  size_t begin = text.find("```json\n", example);
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  size_t end = text.find("```", begin);
  ASSERT_NE(end, std::string::npos);
  absl::StatusOr<Profile> read = ProfileFromJson(text.substr(begin, end - begin));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->target, "PID 4242 (leaky_service)");
  EXPECT_EQ(read->totals.outstanding.outstanding_bytes(), 524288);
  ASSERT_EQ(read->stacks.size(), 2u);
  EXPECT_EQ(read->stacks[0].frames[1].function, "remember_request");
  EXPECT_EQ(read->stacks[0].frames[1].address, 0x55555555521fu);
  EXPECT_TRUE(read->stacks[0].frames[1].inlined);
  EXPECT_EQ(read->stacks[0].frames[1].line, 27u);
  EXPECT_EQ(read->stacks[0].frames[2].file, "/home/me/src/leaky_service.c");
  EXPECT_FALSE(read->stacks[0].frames[2].inlined);
  EXPECT_TRUE(read->stacks[1].lost);
  EXPECT_EQ(read->growth_seconds, (std::vector<double>{1.0, 5.0, 10.0}));
  EXPECT_EQ(read->stacks[0].evidence.growth,
            (std::vector<int64_t>{52224, 261120, 523264}));
  EXPECT_EQ(read->stacks[0].evidence.size_objects[10], 511);
  ASSERT_EQ(read->stacks[0].evidence.peeks.size(), 1u);
  EXPECT_EQ(read->stacks[0].evidence.peeks[0].bytes, "GET /api/users");
  EXPECT_EQ(read->memory.end.anon_bytes, 1576960);
  ASSERT_EQ(read->losses.size(), 1u);
  EXPECT_EQ(read->losses[0].what, "stacks (stack map full)");
}

TEST(JsonReader, LinesAndInlinedFramesRoundTrip) {
  Profile in = SampleProfile();
  absl::StatusOr<Profile> out = ProfileFromJson(ProfileToJson(in));
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<ProfileFrame>& frames = out->stacks[0].frames;
  ASSERT_GE(frames.size(), 2u);
  const ProfileFrame& inlined = frames[frames.size() - 2];
  const ProfileFrame& main_frame = frames.back();
  EXPECT_EQ(inlined.function, "parse_options");
  EXPECT_EQ(inlined.file, "/src/my app/options.h");
  EXPECT_EQ(inlined.line, 77u);
  EXPECT_TRUE(inlined.inlined);
  EXPECT_EQ(main_frame.file, "/src/my app/main.cc");
  EXPECT_EQ(main_frame.line, 12u);
  EXPECT_FALSE(main_frame.inlined);
  EXPECT_EQ(StackPath(out->stacks[0]), StackPath(in.stacks[0]));
}

TEST(JsonReader, ProfilesWithoutLinesRead) {
  // Version 1.1 had no file, line or inlined.
  absl::StatusOr<Profile> read = ProfileFromJson(R"j({
    "schema": "allocprof-profile", "version": {"major": 1, "minor": 1},
    "stacks": [{"frames": [{"function": "malloc", "kind": "allocator"},
                           {"function": "leak", "kind": "program"}]}]})j");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->stacks[0].frames.size(), 2u);
  EXPECT_EQ(read->stacks[0].frames[1].file, "");
  EXPECT_EQ(read->stacks[0].frames[1].line, 0u);
  EXPECT_FALSE(read->stacks[0].frames[1].inlined);
  EXPECT_EQ(ErrorOf(Doc(R"("stacks": [{"frames": [{"line": 4294967296}]}])")),
            "stacks[0].frames[0].line: out of range (more than 2^32-1)");
}

TEST(JsonReader, OtherSchemasAreRefused) {
  absl::StatusOr<Profile> read =
      ProfileFromJson(R"({"schema": "speedscope", "version": {"major": 1, "minor": 0}})");
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(read.status().message(),
            "not an allocprof profile: schema is \"speedscope\", expected "
            "\"allocprof-profile\"");
  EXPECT_EQ(ErrorOf(R"({"stacks": []})"),
            "not an allocprof profile: no \"schema\" field, expected "
            "\"allocprof-profile\"");
  EXPECT_EQ(ErrorOf("[1, 2]"),
            "not an allocprof profile: the document is array, not an object");
}

TEST(JsonReader, NewerMajorVersionsAreRefused) {
  absl::StatusOr<Profile> read = ProfileFromJson(
      R"({"schema": "allocprof-profile", "version": {"major": 2, "minor": 1}})");
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(read.status().message(),
            "profile schema version 2.1 is newer than this allocprof reads "
            "(1.x); read it with a newer allocprof");
  EXPECT_EQ(ErrorOf(R"({"schema": "allocprof-profile"})"),
            "profile has no \"version\": {\"major\": N, \"minor\": M}");
  EXPECT_EQ(ErrorOf(R"({"schema": "allocprof-profile", "version": {"major": 0}})"),
            "unknown profile schema version 0.0");
}

TEST(JsonReader, NewerMinorVersionsAreReadIgnoringNewFields) {
  absl::StatusOr<Profile> read = ProfileFromJson(R"j({
    "schema": "allocprof-profile", "version": {"major": 1, "minor": 7},
    "target": "PID 7 [x]", "something_new": {"a": [1, 2]},
    "stacks": [{"frames": [{"function": "f", "kind": "wasm"}],
                "values": {"inuse_bytes": 5}, "colour": "red"}]})j");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->target, "PID 7 [x]");
  ASSERT_EQ(read->stacks.size(), 1u);
  EXPECT_EQ(read->stacks[0].values.inuse_bytes, 5);
  // A frame kind from the future is still a frame.
  EXPECT_EQ(read->stacks[0].frames[0].kind, FrameKind::kUnknown);
}

TEST(JsonReader, LeftOutMembersKeepTheirDefaults) {
  absl::StatusOr<Profile> read = ProfileFromJson(Doc(R"("target": "t")"));
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSameProfile(*read, [] {
    Profile p;
    p.target = "t";
    return p;
  }());
}

TEST(JsonReader, WrongTypesAreNamedByTheirPath) {
  EXPECT_EQ(ErrorOf(Doc(R"("stacks": [{}, {"values": {"inuse_bytes": "12"}}])")),
            "stacks[1].values.inuse_bytes: expected an integer, found string");
  EXPECT_EQ(ErrorOf(Doc(R"("stacks": [{"frames": [{"address": 4198400}]}])")),
            "stacks[0].frames[0].address: expected a hex string such as "
            "\"0x401000\", found number");
  EXPECT_EQ(ErrorOf(Doc(R"("mappings": [{"start": "0xzz"}])")),
            "mappings[0].start: expected a hex string such as \"0x401000\", "
            "found \"0xzz\"");
  EXPECT_EQ(ErrorOf(Doc(R"("events": -1)")), "events: expected a non-negative integer");
  EXPECT_EQ(ErrorOf(Doc(R"("duration_ns": 1.5)")),
            "duration_ns: expected an integer, found number");
  EXPECT_EQ(ErrorOf(Doc(R"("duration_ns": 9223372036854775808)")),
            "duration_ns: out of range (more than 2^63-1)");
  EXPECT_EQ(ErrorOf(Doc(R"("totals": {"outstanding": {"bytes": {"heap": true}}})")),
            "totals.outstanding.bytes.heap: expected an integer, found boolean");
  EXPECT_EQ(ErrorOf(Doc(R"("notes": "one note")")),
            "notes: expected an array, found string");
  EXPECT_EQ(ErrorOf(Doc(R"("stacks": [{"lost": 1}])")),
            "stacks[0].lost: expected true or false, found number");
}

TEST(JsonReader, TextThatIsNotJsonSaysWhere) {
  EXPECT_EQ(ErrorOf("{\n  \"schema\": oops\n}"),
            "not valid JSON: parse error at line 2, column 13: syntax error "
            "while parsing value - invalid literal; last read: '\"schema\": o'");
}

TEST(JsonReader, FileErrorsNameThePath) {
  absl::StatusOr<Profile> missing = ReadJsonFile("/nonexistent/p.json");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "cannot open /nonexistent/p.json: No such file or directory");

  std::string path = testing::TempDir() + "/json_reader_bad.json";
  std::ofstream(path) << R"({"schema": "other"})";
  absl::StatusOr<Profile> bad = ReadJsonFile(path);
  EXPECT_EQ(bad.status().message(),
            path + ": not an allocprof profile: schema is \"other\", expected "
                   "\"allocprof-profile\"");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace allocprof
