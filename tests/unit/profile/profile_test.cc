#include "userspace/profile/profile.h"

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

TEST(FrameKind, NamesRoundTrip) {
  for (FrameKind kind : {FrameKind::kProgram, FrameKind::kLibrary, FrameKind::kAllocator,
                         FrameKind::kJit, FrameKind::kUnknown}) {
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

}  // namespace
}  // namespace allocprof
