#include "userspace/outputs/diff/profile_diff.h"

#include <gtest/gtest.h>

#include "tests/unit/profile/profile_test_util.h"

namespace allocprof {
namespace {

// base: grows 1000 -> 3000 (+200%), shrinks 4000 -> 1000, unchanged 500,
// vanishes 700; new: a new stack with 1500.
struct Pair {
  Profile base;
  Profile now;
};

Pair FiveKinds() {
  Pair p;
  p.base.stacks = {HeapStack({"malloc", "shrinks", "main"}, 4000, 4),
                   HeapStack({"malloc", "grows", "main"}, 1000, 1),
                   HeapStack({"malloc", "vanishes", "main"}, 700, 7),
                   HeapStack({"malloc", "same", "main"}, 500, 5)};
  p.now.stacks = {HeapStack({"malloc", "grows", "main"}, 3000, 3),
                  HeapStack({"malloc", "appears", "main"}, 1500, 2),
                  HeapStack({"malloc", "shrinks", "main"}, 1000, 1),
                  HeapStack({"malloc", "same", "main"}, 500, 5)};
  return p;
}

TEST(CompareStacks, RanksByGrowthThenShowsTheShrunkAndVanished) {
  Pair p = FiveKinds();
  std::vector<StackChange> changes = CompareStacks(p.base, p.now);
  ASSERT_EQ(changes.size(), 5u);
  EXPECT_EQ(changes[0].path, "main;grows;malloc");
  EXPECT_EQ(changes[1].path, "main;appears;malloc");
  EXPECT_EQ(changes[2].path, "main;same;malloc");
  EXPECT_EQ(changes[3].path, "main;vanishes;malloc");
  EXPECT_EQ(changes[4].path, "main;shrinks;malloc");

  EXPECT_EQ(changes[0].base_bytes, 1000);
  EXPECT_EQ(changes[0].new_bytes, 3000);
  EXPECT_EQ(changes[0].growth_bytes(), 2000);
  EXPECT_FALSE(changes[0].is_new());
  ASSERT_TRUE(changes[0].growth_percent().has_value());
  EXPECT_DOUBLE_EQ(*changes[0].growth_percent(), 200.0);

  EXPECT_TRUE(changes[1].is_new());
  EXPECT_TRUE(changes[1].in_new);
  EXPECT_EQ(changes[1].growth_bytes(), 1500);
  EXPECT_FALSE(changes[1].growth_percent().has_value());

  EXPECT_EQ(changes[2].growth_bytes(), 0);
  EXPECT_DOUBLE_EQ(*changes[2].growth_percent(), 0.0);

  EXPECT_TRUE(changes[3].in_base);
  EXPECT_FALSE(changes[3].in_new);
  EXPECT_EQ(changes[3].new_bytes, 0);
  EXPECT_DOUBLE_EQ(*changes[3].growth_percent(), -100.0);

  EXPECT_EQ(changes[4].growth_bytes(), -3000);
  EXPECT_DOUBLE_EQ(*changes[4].growth_percent(), -75.0);
}

TEST(GrewMost, OnlyGrowthLargestFirstAtMostN) {
  Pair p = FiveKinds();
  std::vector<StackChange> top = GrewMost(p.base, p.now, 10);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].path, "main;grows;malloc");
  EXPECT_EQ(top[1].path, "main;appears;malloc");

  std::vector<StackChange> one = GrewMost(p.base, p.now, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].path, "main;grows;malloc");
  EXPECT_TRUE(GrewMost(p.base, p.now, 0).empty());
}

TEST(GrewMost, NothingGrewNothingListed) {
  Pair p = FiveKinds();
  EXPECT_TRUE(GrewMost(p.now, p.now, 10).empty());
  EXPECT_TRUE(GrewMost(Profile(), Profile(), 10).empty());
}

TEST(CompareStacks, MatchesByNamesNotAddresses) {
  // Another run of the program: ASLR moved every address.
  Profile base;
  base.stacks = {HeapStack({"malloc", "f", "main"}, 100, 1)};
  Profile now;
  now.stacks = {HeapStack({"malloc", "f", "main"}, 250, 2)};
  for (ProfileFrame& frame : now.stacks[0].frames) frame.address += 0x7f0000000000;
  std::vector<StackChange> changes = CompareStacks(base, now);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].growth_bytes(), 150);
  EXPECT_DOUBLE_EQ(*changes[0].growth_percent(), 150.0);
}

TEST(CompareStacks, StacksWithOnePathAreSummedOnEachSide) {
  // Two call sites in one function are two stacks with one path.
  Profile base;
  base.stacks = {HeapStack({"malloc", "f", "main"}, 100, 1),
                 HeapStack({"malloc", "f", "main"}, 300, 1)};
  Profile now;
  now.stacks = {HeapStack({"malloc", "f", "main"}, 1000, 1)};
  std::vector<StackChange> changes = CompareStacks(base, now);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].base_bytes, 400);
  EXPECT_EQ(changes[0].new_bytes, 1000);
  EXPECT_DOUBLE_EQ(*changes[0].growth_percent(), 150.0);
}

TEST(CompareStacks, LostStacksAreTheirOwnPaths) {
  Profile base;
  base.stacks = {HeapStack({"leak"}, 100, 1)};
  Profile now;
  ProfileStack lost = HeapStack({"leak"}, 100, 1);
  lost.lost = true;
  now.stacks = {lost};
  std::vector<StackChange> changes = CompareStacks(base, now);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].path, "[stack lost];leak");
  EXPECT_TRUE(changes[0].is_new());
  EXPECT_EQ(changes[1].path, "leak");
  EXPECT_FALSE(changes[1].in_new);
}

TEST(StackChange, ZeroInTheBaseHasNoPercentage) {
  // The stack allocated and freed everything in the base profile.
  StackChange change;
  change.in_base = change.in_new = true;
  change.new_bytes = 64;
  EXPECT_FALSE(change.is_new());
  EXPECT_FALSE(change.growth_percent().has_value());
}

}  // namespace
}  // namespace allocprof
