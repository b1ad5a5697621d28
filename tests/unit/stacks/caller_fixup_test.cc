#include "userspace/stacks/caller_fixup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "userspace/stacks/stack_table.h"

namespace allocprof {
namespace {

using ::testing::ElementsAre;

constexpr uint64_t kMalloc = 0x7f0000001000;
constexpr uint64_t kLeakFn = 0x401234;  // return address into the leaking function
constexpr uint64_t kMain = 0x401500;
constexpr uint64_t kStart = 0x401020;

TEST(SpliceCaller, InsertsTheMissingCallerAsFrameOne) {
  // push %r12 at malloc's entry: the kernel resumed at main.
  EXPECT_THAT(SpliceCaller({kMalloc, kMain, kStart}, kLeakFn),
              ElementsAre(kMalloc, kLeakFn, kMain, kStart));
}

TEST(SpliceCaller, DoesNotDuplicateACallerTheKernelAlreadyHas) {
  // The kernel's push-%rbp fix-up applied and frame 1 is the caller.
  EXPECT_THAT(SpliceCaller({kMalloc, kLeakFn, kMain, kStart}, kLeakFn),
              ElementsAre(kMalloc, kLeakFn, kMain, kStart));
}

TEST(SpliceCaller, RecursionThroughTheCallerIsNotMistakenForADuplicate) {
  // The caller's address appears deeper in the stack (recursion), but frame 1
  // is another function: still insert.
  EXPECT_THAT(SpliceCaller({kMalloc, kMain, kLeakFn, kStart}, kLeakFn),
              ElementsAre(kMalloc, kLeakFn, kMain, kLeakFn, kStart));
}

TEST(SpliceCaller, UnknownCallerLeavesTheStackAlone) {
  EXPECT_THAT(SpliceCaller({kMalloc, kMain}, 0), ElementsAre(kMalloc, kMain));
}

TEST(SpliceCaller, SingleFrameStackGetsTheCaller) {
  EXPECT_THAT(SpliceCaller({kMalloc}, kLeakFn), ElementsAre(kMalloc, kLeakFn));
}

TEST(SpliceCaller, EmptyStackStillKeepsTheCaller) {
  EXPECT_THAT(SpliceCaller({}, kLeakFn), ElementsAre(kLeakFn));
}

TEST(StackTable, SameStackIdDifferentCallersAreDifferentStacks) {
  StackTable table;
  StackRef a = table.Intern({7, kLeakFn});
  StackRef b = table.Intern({7, kLeakFn + 0x20});
  StackRef a_again = table.Intern({7, kLeakFn});
  EXPECT_NE(a, b);
  EXPECT_EQ(a, a_again);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.origin(b).caller, kLeakFn + 0x20);
}

}  // namespace
}  // namespace allocprof
