#include "userspace/profile/profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bpf/events.h"
#include "tests/unit/profile/profile_test_util.h"
#include "userspace/profile/losses.h"

namespace allocprof {
namespace {

TEST(FoldedFrameName, SeparatorsInsideNamesAreReplaced) {
  EXPECT_EQ(FoldedFrameName("operator()(int; char)"), "operator()(int_ char)");
  EXPECT_EQ(FoldedFrameName("two\nlines"), "two_lines");
  EXPECT_EQ(FoldedFrameName("std::map<int, std::string>::insert"),
            "std::map<int, std::string>::insert");
  EXPECT_EQ(FoldedFrameName(""), "[unknown]");
}

TEST(StackPath, RootFirstWithALostMarker) {
  ProfileStack stack = HeapStack({"malloc", "leak", "main"}, 1, 1);
  EXPECT_EQ(StackPath(stack), "main;leak;malloc");
  stack.lost = true;
  EXPECT_EQ(StackPath(stack), "[stack lost];main;leak;malloc");
}

TEST(ProfileFrame, UnknownFramesAreNamedByModuleOrAddress) {
  ProfileFrame frame;
  frame.module = "/usr/lib/libfoo.so";
  frame.offset = 0x1234;
  frame.address = 0x7f0000001234;
  EXPECT_EQ(frame.DisplayName(), "libfoo.so+0x1234");
  frame.module.clear();
  EXPECT_EQ(frame.DisplayName(), "0x7f0000001234");
}

// A stack whose caller of malloc had `helper` inlined into `leak` at the
// call, with lines from DWARF.
ProfileStack InlinedStack() {
  ProfileStack stack = HeapStack({"malloc", "leak", "main"}, 64, 1);
  stack.frames[1] = WithLine(stack.frames[1], "/src/app/leak.c", 20);
  stack.frames[2] = WithLine(stack.frames[2], "/src/app/main.c", 9);
  ProfileFrame helper = WithLine(stack.frames[1], "/src/app/helper.h", 7, true);
  helper.function = "helper";
  stack.frames.insert(stack.frames.begin() + 1, helper);
  return stack;
}

TEST(ProfileFrame, NameWithLineAddsTheFileAndLineWhenKnown) {
  ProfileStack stack = InlinedStack();
  EXPECT_EQ(stack.frames[0].NameWithLine(), "malloc");
  EXPECT_EQ(stack.frames[1].NameWithLine(), "helper (helper.h:7)");
  EXPECT_EQ(stack.frames[1].NameWithLine(/*full_path=*/true),
            "helper (/src/app/helper.h:7)");
  EXPECT_EQ(stack.frames[1].DisplayName(), "helper");
  ProfileFrame unnamed;
  unnamed.module = "/usr/lib/libfoo.so";
  unnamed.offset = 0x10;
  unnamed.file = "foo.S";
  unnamed.line = 3;
  EXPECT_EQ(unnamed.NameWithLine(), "libfoo.so+0x10 (foo.S:3)");
}

TEST(ProfileFrame, APythonFunctionSaysSo) {
  ProfileFrame f;
  f.function = "Server.handle";
  f.module = "[python]";
  f.kind = FrameKind::kPython;
  f.file = "/srv/app.py";
  f.line = 17;
  EXPECT_EQ(f.NameWithLine(), "Server.handle (app.py:17) [python]");
  f.line = 0;
  f.file.clear();
  EXPECT_EQ(f.NameWithLine(), "Server.handle [python]");
}

TEST(StackPath, InlinedFunctionsAreFramesWithTheirLines) {
  EXPECT_EQ(StackPath(InlinedStack()),
            "main (main.c:9);leak (leak.c:20);helper (helper.h:7);malloc");
}

TEST(FrameKind, NamesRoundTrip) {
  for (FrameKind kind : {FrameKind::kProgram, FrameKind::kLibrary, FrameKind::kAllocator,
                         FrameKind::kJit, FrameKind::kUnknown, FrameKind::kPython}) {
    FrameKind parsed;
    ASSERT_TRUE(ParseFrameKind(FrameKindName(kind), &parsed));
    EXPECT_EQ(parsed, kind);
  }
  FrameKind parsed;
  EXPECT_FALSE(ParseFrameKind("kernel", &parsed));
}

TEST(NameLosses, OnlyCountersThatLoseDataAreLosses) {
  uint64_t drops[AP_CNT_COUNT] = {};
  EXPECT_TRUE(NameLosses(drops, 0).empty());
  drops[AP_CNT_RINGBUF_FULL] = 12;
  drops[AP_CNT_STACK_COLLISION] = 3;
  drops[AP_CNT_RETURN_UNMATCHED] = 2;  // a note, not a loss
  auto losses = NameLosses(drops, 0);
  ASSERT_EQ(losses.size(), 2u);
  EXPECT_EQ(losses[0].what, "events (ring buffer full)");
  EXPECT_EQ(losses[0].count, 12u);
  EXPECT_EQ(losses[1].what, "stacks (stack map collision)");
  auto notes = DropNotes(drops);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].rfind("2 allocator calls were already under way", 0), 0u);
}

TEST(NameLosses, UnreadPythonFramesAreALoss) {
  uint64_t drops[AP_CNT_COUNT] = {};
  drops[AP_CNT_PYTHON_UNREAD] = 4;
  auto losses = NameLosses(drops, 0);
  ASSERT_EQ(losses.size(), 1u);
  EXPECT_EQ(losses[0].what,
            "Python frames (thread state or frame unreadable: native frames kept)");
  EXPECT_EQ(losses[0].count, 4u);
}

TEST(ExecNote, SaysWhenAndWhatWent) {
  Totals t;
  EXPECT_EQ(ExecNote(t, 0), "");
  t.execs = 1;
  t.last_exec_ns = 3'500'000'000;
  t.exec_dropped_bytes = 15000;
  t.exec_dropped_objects = 5;
  EXPECT_EQ(ExecNote(t, 1'000'000'000),
            "the target ran execve() 1 time, the last at 2.5 s: the figures are the program it "
            "runs since; what the program before held (15000 B in 5 objects) went with its "
            "address space");
  t.execs = 2;
  EXPECT_THAT(ExecNote(t, 1'000'000'000),
              ::testing::HasSubstr("2 times, the last at 2.5 s"));
}

}  // namespace
}  // namespace allocprof
