#include "userspace/outputs/pprof/pprof_reader.h"

#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/outputs/pprof/protoc_text.h"
#include "tests/unit/outputs/pprof/sample_profile.h"
#include "tests/unit/profile/profile_test_util.h"
#include "userspace/outputs/pprof/gzip.h"
#include "userspace/outputs/pprof/pprof_writer.h"

namespace allocprof {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Describe(const ProfileFrame& f) {
  return absl::StrCat(f.function, " | ", f.module, " | 0x", absl::Hex(f.address),
                      " +0x", absl::Hex(f.offset), " | ", f.file, ":", f.line,
                      f.inlined ? " inlined" : "");
}

std::vector<std::string> Frames(const ProfileStack& stack) {
  std::vector<std::string> frames;
  for (const ProfileFrame& f : stack.frames) frames.push_back(Describe(f));
  return frames;
}

std::vector<FrameKind> Kinds(const ProfileStack& stack) {
  std::vector<FrameKind> kinds;
  for (const ProfileFrame& f : stack.frames) kinds.push_back(f.kind);
  return kinds;
}

void ExpectSameValues(const ProfileValues& a, const ProfileValues& b) {
  EXPECT_EQ(a.inuse_bytes, b.inuse_bytes);
  EXPECT_EQ(a.inuse_objects, b.inuse_objects);
  EXPECT_EQ(a.alloc_bytes, b.alloc_bytes);
  EXPECT_EQ(a.alloc_objects, b.alloc_objects);
}

void ExpectRoundTrip(const Profile& in, const Profile& out) {
  ASSERT_EQ(out.stacks.size(), in.stacks.size());
  for (size_t i = 0; i < in.stacks.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("stack ", i));
    EXPECT_EQ(Frames(out.stacks[i]), Frames(in.stacks[i]));
    ExpectSameValues(out.stacks[i].values, in.stacks[i].values);
    EXPECT_EQ(out.stacks[i].lost, in.stacks[i].lost);
    EXPECT_EQ(StackPath(out.stacks[i]), StackPath(in.stacks[i]));
  }
  ASSERT_EQ(out.mappings.size(), in.mappings.size());
  for (size_t i = 0; i < in.mappings.size(); ++i) {
    EXPECT_EQ(out.mappings[i].start, in.mappings[i].start);
    EXPECT_EQ(out.mappings[i].limit, in.mappings[i].limit);
    EXPECT_EQ(out.mappings[i].file_offset, in.mappings[i].file_offset);
    EXPECT_EQ(out.mappings[i].path, in.mappings[i].path);
    EXPECT_EQ(out.mappings[i].build_id, in.mappings[i].build_id);
  }
  EXPECT_EQ(out.target, in.target);
  EXPECT_EQ(out.command_line, in.command_line);
  ASSERT_EQ(out.losses.size(), in.losses.size());
  for (size_t i = 0; i < in.losses.size(); ++i) {
    EXPECT_EQ(out.losses[i].what, in.losses[i].what);
    EXPECT_EQ(out.losses[i].count, in.losses[i].count);
  }
  EXPECT_EQ(out.notes, in.notes);
  EXPECT_EQ(out.start_unix_ns, in.start_unix_ns);
  EXPECT_EQ(out.duration_ns, in.duration_ns);
}

TEST(PprofRoundTrip, WriteThenReadGivesTheSameProfile) {
  Profile in = SampleProfile();
  absl::StatusOr<std::string> bytes = EncodePprof(in);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<Profile> out = ParsePprof(*bytes);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectRoundTrip(in, *out);
}

TEST(PprofRoundTrip, ThroughAFile) {
  std::string path = MakeTempDir() + "/heap.pb.gz";
  Profile in = SampleProfile();
  ASSERT_TRUE(WritePprofFile(path, in).ok());
  absl::StatusOr<Profile> out = ReadPprofFile(path);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectRoundTrip(in, *out);
}

TEST(PprofRoundTrip, FrameKindsAreInferred) {
  absl::StatusOr<Profile> out = ParsePprof(*EncodePprof(SampleProfile()));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->stacks.size(), 4u);
  EXPECT_THAT(Kinds(out->stacks[0]),
              ElementsAre(FrameKind::kAllocator, FrameKind::kLibrary, FrameKind::kProgram,
                          FrameKind::kProgram, FrameKind::kProgram, FrameKind::kProgram,
                          FrameKind::kProgram));
  EXPECT_THAT(Kinds(out->stacks[1]),
              ElementsAre(FrameKind::kAllocator, FrameKind::kUnknown, FrameKind::kUnknown));
  // A lost stack's leaf is the recovered caller, not the allocator.
  EXPECT_THAT(Kinds(out->stacks[2]), ElementsAre(FrameKind::kProgram));
  EXPECT_THAT(Kinds(out->stacks[3]),
              ElementsAre(FrameKind::kAllocator, FrameKind::kJit, FrameKind::kProgram));
}

// A Python frame keeps its kind, name, file and line through pprof.
TEST(PprofRoundTrip, PythonFramesKeepTheirKind) {
  Profile in = SampleProfile();
  ProfileStack& stack = in.stacks[3];
  ProfileFrame py = WithLine(MakeFrame("Server.handle", "[python]", 0x7f3980fc8a50, 0,
                                       FrameKind::kPython),
                             "/srv/app.py", 21);
  stack.frames.insert(stack.frames.begin() + 1, py);
  absl::StatusOr<Profile> out = ParsePprof(*EncodePprof(in));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->stacks.size(), in.stacks.size());
  const ProfileStack& back = out->stacks[3];
  ASSERT_EQ(back.frames.size(), stack.frames.size()) << ::testing::PrintToString(Frames(back));
  EXPECT_EQ(back.frames[1].kind, FrameKind::kPython) << Describe(back.frames[1]);
  EXPECT_EQ(back.frames[1].function, "Server.handle");
  EXPECT_EQ(back.frames[1].file, "/srv/app.py");
  EXPECT_EQ(back.frames[1].line, 21);
}

TEST(PprofRoundTrip, NamesThatAreNotUtf8BecomeValid) {
  Profile in = SampleProfile();
  in.stacks[0].frames[1].function = "bad\xFF name";
  in.stacks[0].frames[1].module = "/opt/caf\xE9/lib.so";
  absl::StatusOr<Profile> out = ParsePprof(*EncodePprof(in));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->stacks[0].frames[1].function, "bad\xEF\xBF\xBD name");
  EXPECT_EQ(out->stacks[0].frames[1].module, "/opt/caf\xEF\xBF\xBD/lib.so");
  EXPECT_EQ(out->stacks[0].frames[4].function, kSemicolonName);
}

TEST(PprofRoundTrip, UncompressedBytesReadToo) {
  absl::StatusOr<std::string> raw = GzipDecompress(*EncodePprof(SampleProfile()));
  ASSERT_TRUE(raw.ok());
  absl::StatusOr<Profile> out = ParsePprof(*raw);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectRoundTrip(SampleProfile(), *out);
}

// A heap profile as another tool writes it: in-use values only (in the
// opposite order to Go's), source file names in functions, an inlined
// frame, no allocprof comments, and one stack split over two samples.
constexpr char kForeignProfile[] = R"pb(
  sample_type { type: 1 unit: 2 }
  sample_type { type: 3 unit: 4 }
  sample { location_id: 1 location_id: 2 value: 4096 value: 2 }
  sample { location_id: 1 location_id: 2 value: 1024 value: 1 label { key: 13 str: 14 } }
  sample { location_id: 3 value: 100 value: 5 }
  mapping { id: 7 memory_start: 4194304 memory_limit: 8388608 filename: 5 build_id: 6 }
  mapping { id: 9 memory_start: 140737351000000 memory_limit: 140737353000000 file_offset: 4096 filename: 12 }
  location { id: 1 mapping_id: 9 address: 140737351000100 line { function_id: 1 } }
  location { id: 2 mapping_id: 7 address: 4194404 line { function_id: 2 line: 42 } line { function_id: 3 line: 7 } }
  location { id: 3 mapping_id: 9 address: 140737351000200 }
  function { id: 1 name: 8 filename: 9 }
  function { id: 2 name: 10 filename: 11 }
  function { id: 3 name: 15 filename: 11 }
  string_table: ""
  string_table: "inuse_space"
  string_table: "bytes"
  string_table: "inuse_objects"
  string_table: "count"
  string_table: "/srv/app"
  string_table: "feedface"
  string_table: "malloc.c"
  string_table: "malloc"
  string_table: "malloc.c"
  string_table: "inlined_helper"
  string_table: "app.cc"
  string_table: "/lib/libc.so.6"
  string_table: "thread"
  string_table: "worker"
  string_table: "main"
  string_table: "made by another tool"
  time_nanos: 1600000000000000000
  duration_nanos: 30000000000
  comment: 16
)pb";

class ForeignPprofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> bytes = EncodePprofText(kForeignProfile);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    raw_ = *bytes;
  }
  std::string raw_;
};

TEST_F(ForeignPprofTest, InuseOnlyProfileReads) {
  absl::StatusOr<Profile> p = ParsePprof(raw_);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->stacks.size(), 2u);
  // The two samples of one stack are summed; values are found by name.
  EXPECT_EQ(p->stacks[0].values.inuse_bytes, 5120);
  EXPECT_EQ(p->stacks[0].values.inuse_objects, 3);
  EXPECT_EQ(p->stacks[0].values.alloc_bytes, 0);
  EXPECT_EQ(p->stacks[0].values.alloc_objects, 0);
  EXPECT_EQ(p->stacks[1].values.inuse_bytes, 100);
  EXPECT_EQ(p->stacks[1].values.inuse_objects, 5);
  EXPECT_EQ(p->start_unix_ns, 1600000000000000000);
  EXPECT_EQ(p->duration_ns, 30000000000);
}

TEST_F(ForeignPprofTest, FramesComeFromLinesAndMappings) {
  absl::StatusOr<Profile> p = ParsePprof(raw_);
  ASSERT_TRUE(p.ok()) << p.status();
  const ProfileStack& stack = p->stacks[0];
  // Inlined lines become frames, innermost first; the module is the
  // mapping's file, not the function's source file.
  ASSERT_EQ(stack.frames.size(), 3u);
  EXPECT_EQ(stack.frames[0].function, "malloc");
  EXPECT_EQ(stack.frames[0].module, "/lib/libc.so.6");
  EXPECT_EQ(stack.frames[0].kind, FrameKind::kAllocator);
  EXPECT_EQ(stack.frames[1].function, "inlined_helper");
  EXPECT_EQ(stack.frames[1].module, "/srv/app");
  EXPECT_EQ(stack.frames[1].kind, FrameKind::kProgram);
  EXPECT_EQ(stack.frames[2].function, "main");
  EXPECT_EQ(stack.frames[2].address, 4194404u);
  // Each line's source file and number; all but the last line of a
  // location are inlined into the next.
  EXPECT_TRUE(stack.frames[1].inlined);
  EXPECT_EQ(stack.frames[1].file, "app.cc");
  EXPECT_EQ(stack.frames[1].line, 42u);
  EXPECT_FALSE(stack.frames[2].inlined);
  EXPECT_EQ(stack.frames[2].file, "app.cc");
  EXPECT_EQ(stack.frames[2].line, 7u);
  EXPECT_EQ(stack.frames[1].address, stack.frames[2].address);
  // No line: no file either.
  EXPECT_FALSE(stack.frames[0].inlined);
  EXPECT_EQ(stack.frames[0].line, 0u);
  EXPECT_EQ(stack.frames[0].file, "");
  EXPECT_EQ(StackPath(stack), "main (app.cc:7);inlined_helper (app.cc:42);malloc");
  // A location without lines: no function, offset within the module.
  const ProfileFrame& bare = p->stacks[1].frames.at(0);
  EXPECT_EQ(bare.function, "");
  EXPECT_EQ(bare.kind, FrameKind::kUnknown);
  EXPECT_EQ(bare.offset, 200u + 4096u);
  EXPECT_EQ(bare.DisplayName(), "libc.so.6+0x10c8");

  ASSERT_EQ(p->mappings.size(), 2u);
  EXPECT_EQ(p->mappings[0].path, "/srv/app");
  EXPECT_EQ(p->mappings[0].build_id, "feedface");
  EXPECT_EQ(p->mappings[1].file_offset, 4096u);
  // Comments of other tools are kept as notes.
  EXPECT_THAT(p->notes, ElementsAre("made by another tool"));
  EXPECT_EQ(p->target, "");
}

TEST_F(ForeignPprofTest, StringsThatAreNotUtf8StillRead) {
  // "inlined_helper" -> raw Latin-1 bytes of the same length.
  std::string raw = raw_;
  size_t at = raw.find("inlined_helper");
  ASSERT_NE(at, std::string::npos);
  raw.replace(at, 14, "inlined_h\xE9lp\xE9r");
  absl::StatusOr<Profile> p = ParsePprof(raw);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->stacks[0].frames[1].function, "inlined_h\xEF\xBF\xBDlp\xEF\xBF\xBDr");
}

TEST_F(ForeignPprofTest, GzippedBySystemGzipReads) {
  absl::StatusOr<std::string> gz = SystemGzip(raw_);
  ASSERT_TRUE(gz.ok()) << gz.status();
  absl::StatusOr<Profile> p = ParsePprof(*gz);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->stacks.size(), 2u);
}

// An allocprof file after `go tool pprof -proto`: pprof shortens
// Function.name and keeps the whole name in system_name, and leaves the
// filename (the module), start_line (the start address) and comments alone.
TEST(PprofReader, OwnFileRewrittenByPprofKeepsWholeNamesAndOffsets) {
  absl::StatusOr<std::string> bytes = EncodePprofText(R"pb(
    sample_type { type: 1 unit: 2 }
    sample { location_id: 1 value: 64 }
    location { id: 1 address: 4096 line { function_id: 1 } }
    function { id: 1 name: 3 system_name: 4 filename: 5 start_line: 4000 }
    string_table: "" string_table: "inuse_space" string_table: "bytes"
    string_table: "std::vector::push_back"
    string_table: "std::vector<int, std::allocator<int>>::push_back(int const&)"
    string_table: "/usr/lib/libstdc++.so.6"
    string_table: "allocprof heap profile"
    comment: 6
  )pb");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<Profile> p = ParsePprof(*bytes);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->stacks.size(), 1u);
  ASSERT_EQ(p->stacks[0].frames.size(), 1u);
  const ProfileFrame& frame = p->stacks[0].frames[0];
  EXPECT_EQ(frame.function, "std::vector<int, std::allocator<int>>::push_back(int const&)");
  EXPECT_EQ(frame.module, "/usr/lib/libstdc++.so.6");
  EXPECT_EQ(frame.offset, 96u);
  EXPECT_THAT(p->notes, IsEmpty());
}

TEST(PprofReader, CpuProfileIsRefusedByItsSampleTypes) {
  absl::StatusOr<std::string> bytes = EncodePprofText(R"pb(
    sample_type { type: 1 unit: 2 }
    sample { value: 10 }
    string_table: "" string_table: "cpu" string_table: "nanoseconds"
  )pb");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<Profile> p = ParsePprof(*bytes);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("not a heap profile"));
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("cpu/nanoseconds"));
}

TEST(PprofReader, DanglingIdsAreErrors) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {R"pb(sample_type { type: 1 unit: 2 } sample { location_id: 5 value: 1 }
            string_table: "" string_table: "inuse_space" string_table: "bytes")pb",
       "refers to location 5"},
      {R"pb(sample_type { type: 1 unit: 2 } location { id: 1 line { function_id: 3 } }
            string_table: "" string_table: "inuse_space" string_table: "bytes")pb",
       "refers to function 3"},
      {R"pb(sample_type { type: 1 unit: 2 } location { id: 1 mapping_id: 4 }
            string_table: "" string_table: "inuse_space" string_table: "bytes")pb",
       "refers to mapping 4"},
      {R"pb(sample_type { type: 1 unit: 2 } sample { value: 1 value: 2 }
            string_table: "" string_table: "inuse_space" string_table: "bytes")pb",
       "2 values for 1 sample types"},
      {R"pb(sample_type { type: 1 unit: 2 } function { id: 1 name: 99 }
            string_table: "" string_table: "inuse_space" string_table: "bytes")pb",
       "refers to string 99"},
      {R"pb(sample_type { type: 1 unit: 2 } string_table: "x")pb",
       "string table does not start with \"\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<std::string> bytes = EncodePprofText(c.text);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    absl::StatusOr<Profile> p = ParsePprof(*bytes);
    ASSERT_FALSE(p.ok());
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(c.error));
  }
}

TEST(PprofReader, TruncatedGzipIsAClearError) {
  std::string gz = *EncodePprof(SampleProfile());
  absl::StatusOr<Profile> p = ParsePprof(gz.substr(0, gz.size() / 2));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("truncated"));
}

TEST(PprofReader, GarbageIsAClearError) {
  absl::StatusOr<Profile> p = ParsePprof("this is not a profile, just text\n");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("not a"));
  p = ParsePprof("");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("empty"));
  p = ParsePprof(std::string("\x1f\x8b\x08\x00garbage after a gzip magic", 30));
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("gzip"));
}

// Every prefix and many single-byte corruptions of a real profile: each
// either reads or fails with a Status, and never crashes or hangs.
TEST(PprofReader, DamagedProfilesNeverCrash) {
  std::string raw = *GzipDecompress(*EncodePprof(SampleProfile()));
  int failed = 0;
  for (size_t n = 0; n < raw.size(); ++n) {
    if (!ParsePprof(raw.substr(0, n)).ok()) ++failed;
  }
  EXPECT_GT(failed, 0);
  std::mt19937 rng(42);
  for (int i = 0; i < 3000; ++i) {
    std::string damaged = raw;
    damaged[rng() % damaged.size()] = static_cast<char>(rng());
    (void)ParsePprof(damaged);
  }
  std::string gz = *EncodePprof(SampleProfile());
  for (int i = 0; i < 300; ++i) {
    std::string damaged = gz;
    damaged[10 + rng() % (damaged.size() - 10)] ^= static_cast<char>(1 + rng() % 255);
    // gzip's CRC-32 and length trailer catch any change to the data. A
    // change to the padding bits after the last deflate block changes no
    // data, so it is no damage.
    absl::StatusOr<std::string> inflated = GzipDecompress(damaged);
    if (inflated.ok() && *inflated == raw) continue;
    EXPECT_FALSE(ParsePprof(damaged).ok());
  }
}

TEST(PprofReader, FileErrorsStartWithThePath) {
  absl::StatusOr<Profile> p = ReadPprofFile("/nonexistent/heap.pb.gz");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("/nonexistent/heap.pb.gz"));

  std::string path = MakeTempDir() + "/garbage.pb.gz";
  WriteWholeFile(path, "\x1f\x8b not really");
  p = ReadPprofFile(path);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), ::testing::StartsWith(path + ": "));

  std::string dir = MakeTempDir();
  p = ReadPprofFile(dir);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), HasSubstr(dir));
}

}  // namespace
}  // namespace allocprof
