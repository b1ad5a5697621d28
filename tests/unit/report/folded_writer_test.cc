#include "userspace/report/folded_writer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/unit/report/fake_stack_names.h"

namespace allocprof {
namespace {

TEST(FoldedFrameName, SeparatorsInsideNamesAreReplaced) {
  EXPECT_EQ(FoldedFrameName("operator()(int; char)"), "operator()(int_ char)");
  EXPECT_EQ(FoldedFrameName("two\nlines"), "two_lines");
  EXPECT_EQ(FoldedFrameName("std::map<int, std::string>::insert"),
            "std::map<int, std::string>::insert");
  EXPECT_EQ(FoldedFrameName(""), "[unknown]");
}

TEST(WriteFolded, RootFirstLargestFirstZeroLeftOut) {
  FakeStackNames names;
  names.Add(1, {"malloc", "leak_small", "main"});
  names.Add(2, {"malloc", "leak_big", "main"});
  names.Add(3, {"malloc", "freed_everything", "main"});
  std::ostringstream out;
  WriteFolded(out, {{2, HeapUsage(5000, 5)}, {1, HeapUsage(100, 1)}, {3, HeapUsage(0, 0)}},
              names);
  EXPECT_EQ(out.str(),
            "main;leak_big;malloc 5000\n"
            "main;leak_small;malloc 100\n");
}

TEST(WriteFolded, StacksWithTheSameNamesAreSummed) {
  // Two call sites in one function: different stacks, one folded line.
  FakeStackNames names;
  names.Add(1, {"malloc", "f", "main"});
  names.Add(2, {"malloc", "f", "main"});
  std::ostringstream out;
  WriteFolded(out, {{1, HeapUsage(300, 3)}, {2, HeapUsage(200, 2)}}, names);
  EXPECT_EQ(out.str(), "main;f;malloc 500\n");
}

TEST(WriteFolded, LostStackIsMarkedNotDropped) {
  FakeStackNames names;
  names.Add(7, {"leak_fn"}, /*lost_errno=*/17);
  std::ostringstream out;
  WriteFolded(out, {{7, HeapUsage(64, 1)}}, names);
  EXPECT_EQ(out.str(), "[stack lost];leak_fn 64\n");
}

}  // namespace
}  // namespace allocprof
