#include "userspace/outputs/pprof/pprof_comments.h"

#include "userspace/outputs/pprof/pprof_reader.h"
#include "userspace/outputs/pprof/pprof_writer.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/outputs/pprof/protoc_text.h"

namespace allocprof {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::vector<std::string> kNastyArgv = {
    "prog", "", "two words", "it's", "$HOME", "a\\b", "tab\there",
    "'quoted'", "--flag=x,y", "größe", "semi;colon", "new\nline"};

TEST(CommandLine, PlainWordsStayPlain) {
  EXPECT_EQ(QuoteCommandLine({"redis-server", "--port", "6379", "/etc/a.conf"}),
            "redis-server --port 6379 /etc/a.conf");
  EXPECT_EQ(QuoteCommandLine({"it's", ""}), "'it'\\''s' ''");
}

TEST(CommandLine, SplitUndoesQuote) {
  std::vector<std::string> argv;
  ASSERT_TRUE(SplitCommandLine(QuoteCommandLine(kNastyArgv), &argv));
  EXPECT_EQ(argv, kNastyArgv);
  ASSERT_TRUE(SplitCommandLine("", &argv));
  EXPECT_THAT(argv, IsEmpty());
  EXPECT_FALSE(SplitCommandLine("unterminated 'quote", &argv));
}

TEST(CommandLine, AShellSplitsItTheSameWay) {
  std::string dir = MakeTempDir();
  ASSERT_TRUE(RunCommand("printf '%s\\0' " + QuoteCommandLine(kNastyArgv) + " > '" + dir +
                         "/argv'").ok());
  std::vector<std::string> argv =
      absl::StrSplit(ReadWholeFile(dir + "/argv"), '\0');
  ASSERT_FALSE(argv.empty());
  argv.pop_back();  // after the last NUL
  EXPECT_EQ(argv, kNastyArgv);
}

TEST(SessionComments, RoundTrip) {
  Profile in;
  in.target = "PID 1 (init)";
  in.command_line = kNastyArgv;
  in.losses = {{"events (ring buffer full)", 12}, {"malformed records", 1}};
  in.notes = {"first note", "allocprof note: a note that looks like a prefix"};
  std::vector<std::string> comments = SessionComments(in);
  EXPECT_EQ(comments[0], "allocprof heap profile");
  EXPECT_EQ(comments[3], "allocprof lost: 12 events (ring buffer full)");

  Profile out;
  EXPECT_TRUE(ReadSessionComments(comments, &out));
  EXPECT_EQ(out.target, in.target);
  EXPECT_EQ(out.command_line, in.command_line);
  ASSERT_EQ(out.losses.size(), 2u);
  EXPECT_EQ(out.losses[0].what, "events (ring buffer full)");
  EXPECT_EQ(out.losses[0].count, 12u);
  EXPECT_EQ(out.losses[1].what, "malformed records");
  EXPECT_EQ(out.notes, in.notes);
}

TEST(SessionComments, EmptyFactsWriteOnlyTheMarker) {
  EXPECT_THAT(SessionComments(Profile()), ElementsAre("allocprof heap profile"));
}

TEST(SessionComments, OtherToolsCommentsBecomeNotes) {
  Profile out;
  EXPECT_FALSE(ReadSessionComments({"collected by tool X", "allocprof lost: many"}, &out));
  EXPECT_THAT(out.notes, ElementsAre("collected by tool X", "allocprof lost: many"));
  EXPECT_THAT(out.losses, IsEmpty());
}

}  // namespace
}  // namespace allocprof

namespace allocprof {
namespace {

TEST(SessionComments, TotalsAndKindsSurviveAPprofRoundTrip) {
  Profile profile;
  profile.target = "PID 1 (app)";
  profile.events = 20195;
  profile.loader_mappings = 8;
  profile.totals.alloc_bytes = 25185760;
  profile.totals.freed_objects = 10021;
  profile.totals.unknown_unmapped_bytes = 49152;
  profile.totals.outstanding.bytes[static_cast<int>(MemKind::kHeap)] = 17134192;
  profile.totals.outstanding.bytes[static_cast<int>(MemKind::kAnonMmap)] = 6291456;
  profile.totals.outstanding.objects[static_cast<int>(MemKind::kHeap)] = 140;
  profile.totals.outstanding.backing_bytes = 17190912;
  ProfileStack stack;
  ProfileFrame leaf;
  leaf.function = "mmap";
  leaf.module = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  leaf.address = 0x7f00000019b3;
  leaf.offset = 0x13;
  stack.frames = {leaf};
  stack.values.inuse_bytes = 3145728;
  stack.values.inuse_objects = 1;
  stack.inuse_bytes_by_kind[static_cast<int>(MemKind::kAnonMmap)] = 3145728;
  profile.stacks = {stack};

  auto encoded = EncodePprof(profile);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  auto decoded = ParsePprof(*encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->events, 20195u);
  EXPECT_EQ(decoded->loader_mappings, 8u);
  EXPECT_EQ(decoded->totals.alloc_bytes, 25185760u);
  EXPECT_EQ(decoded->totals.freed_objects, 10021u);
  EXPECT_EQ(decoded->totals.unknown_unmapped_bytes, 49152u);
  EXPECT_EQ(decoded->totals.outstanding.outstanding_bytes(), 17134192 + 6291456);
  EXPECT_EQ(decoded->totals.outstanding.objects[0], 140);
  EXPECT_EQ(decoded->totals.outstanding.backing_bytes, 17190912);
  ASSERT_EQ(decoded->stacks.size(), 1u);
  EXPECT_EQ(decoded->stacks[0].inuse_bytes_by_kind[1], 3145728);
  EXPECT_EQ(decoded->stacks[0].inuse_bytes_by_kind[0], 0);
  // The totals line is read back, not kept as a note.
  EXPECT_TRUE(decoded->notes.empty());
}

}  // namespace
}  // namespace allocprof
