#include "userspace/outputs/folded/folded_writer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/unit/profile/profile_test_util.h"

namespace allocprof {
namespace {

TEST(WriteFolded, RootFirstLargestFirstZeroLeftOut) {
  Profile profile;
  profile.stacks = {HeapStack({"malloc", "leak_small", "main"}, 100, 1),
                    HeapStack({"malloc", "leak_big", "main"}, 5000, 5),
                    HeapStack({"malloc", "freed_everything", "main"}, 0, 0)};
  std::ostringstream out;
  WriteFolded(out, profile, Weight::kBytes);
  EXPECT_EQ(out.str(),
            "main;leak_big;malloc 5000\n"
            "main;leak_small;malloc 100\n");
}

TEST(WriteFolded, LinesAndInlinedFunctionsAreShown) {
  Profile profile;
  ProfileStack stack = HeapStack({"malloc", "leak", "main"}, 64, 1);
  stack.frames[1] = WithLine(stack.frames[1], "/src/app/leak.c", 20);
  ProfileFrame helper = WithLine(stack.frames[1], "/src/app/helper.h", 7, true);
  helper.function = "helper";
  stack.frames.insert(stack.frames.begin() + 1, helper);
  profile.stacks = {stack};
  std::ostringstream out;
  WriteFolded(out, profile, Weight::kBytes);
  EXPECT_EQ(out.str(), "main;leak (leak.c:20);helper (helper.h:7);malloc 64\n");
}

TEST(WriteFolded, ObjectsWeight) {
  Profile profile;
  profile.stacks = {HeapStack({"malloc", "few_big", "main"}, 5000, 1),
                    HeapStack({"malloc", "many_small", "main"}, 100, 50)};
  std::ostringstream out;
  WriteFolded(out, profile, Weight::kObjects);
  EXPECT_EQ(out.str(),
            "main;many_small;malloc 50\n"
            "main;few_big;malloc 1\n");
}

TEST(WriteFolded, StacksWithTheSameNamesAreSummed) {
  // Two call sites in one function: different stacks, one folded line.
  Profile profile;
  profile.stacks = {HeapStack({"malloc", "f", "main"}, 300, 3),
                    HeapStack({"malloc", "f", "main"}, 200, 2)};
  std::ostringstream out;
  WriteFolded(out, profile, Weight::kBytes);
  EXPECT_EQ(out.str(), "main;f;malloc 500\n");
}

TEST(WriteFolded, LostStackIsMarkedNotDropped) {
  Profile profile;
  ProfileStack lost = HeapStack({"leak_fn"}, 64, 1);
  lost.lost = true;
  profile.stacks = {lost};
  std::ostringstream out;
  WriteFolded(out, profile, Weight::kBytes);
  EXPECT_EQ(out.str(), "[stack lost];leak_fn 64\n");
}

TEST(WriteFolded, HostileNamesStayOneFramePerName) {
  Profile profile;
  profile.stacks = {HeapStack({"malloc", "ns::f(a; b)", "main"}, 8, 1)};
  std::ostringstream out;
  WriteFolded(out, profile, Weight::kBytes);
  EXPECT_EQ(out.str(), "main;ns::f(a_ b);malloc 8\n");
}

// A folded file is one stack a line, read in terminals and by line tools:
// controls in a name are escaped, ';' and line breaks kept out of it.
TEST(WriteFolded, ControlCharactersInNamesAreEscaped) {
  Profile profile;
  profile.stacks = {HeapStack({"malloc", "f\x1b[31m;g\nmain 99", "main"}, 8, 1)};
  std::ostringstream out;
  WriteFolded(out, profile, Weight::kBytes);
  EXPECT_EQ(out.str(), "main;f\\x1b[31m_g_main 99;malloc 8\n");
}

}  // namespace
}  // namespace allocprof
