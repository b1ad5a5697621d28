#include "userspace/outputs/diff/diff_report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/unit/profile/profile_test_util.h"

namespace allocprof {
namespace {

TEST(DescribeChange, PercentNewGoneFromZero) {
  StackChange grown{"p", 1000, 1250, true, true};
  EXPECT_EQ(DescribeChange(grown), "+25.0%");
  StackChange shrunk{"p", 1000, 500, true, true};
  EXPECT_EQ(DescribeChange(shrunk), "-50.0%");
  StackChange added{"p", 0, 10, false, true};
  EXPECT_EQ(DescribeChange(added), "new");
  StackChange gone{"p", 10, 0, true, false};
  EXPECT_EQ(DescribeChange(gone), "gone");
  StackChange from_zero{"p", 0, 10, true, true};
  EXPECT_EQ(DescribeChange(from_zero), "from 0 B");
}

TEST(WriteStackChanges, GrowthThenFramesLeafFirst) {
  std::ostringstream out;
  WriteStackChanges(out, {{"main;grows;malloc", 1024, 3072, true, true},
                          {"main;appears;malloc", 0, 100, false, true}});
  EXPECT_EQ(out.str(),
            "\n#1  +2048 B (2.0 KiB), +200.0%: 1024 B (1.0 KiB) -> 3072 B (3.0 KiB)\n"
            "      malloc\n"
            "      grows\n"
            "      main\n"
            "\n#2  +100 B, new: 0 B -> 100 B\n"
            "      malloc\n"
            "      appears\n"
            "      main\n");
}

TEST(WriteDiffReport, TotalsThenTheStacksThatGrew) {
  Profile base;
  base.target = "PID 10 (app)";
  base.totals.outstanding.bytes[0] = 2000;
  base.stacks = {HeapStack({"malloc", "grows", "main"}, 1000, 1),
                 HeapStack({"malloc", "shrinks", "main"}, 1000, 1)};
  Profile now;
  now.target = "PID 20 (app)";
  now.totals.outstanding.bytes[0] = 4000;
  now.stacks = {HeapStack({"malloc", "grows", "main"}, 3500, 1),
                HeapStack({"malloc", "shrinks", "main"}, 500, 1)};
  std::ostringstream out;
  WriteDiffReport(out, base, now, 10);
  EXPECT_EQ(out.str(),
            "allocprof diff: PID 10 (app) -> PID 20 (app)\n"
            "Outstanding: 2000 B (2.0 KiB) -> 4000 B (3.9 KiB): +2000 B (2.0 KiB), "
            "+100.0%\n"
            "\nTop 1 of 1 stacks by growth in outstanding bytes:\n"
            "\n#1  +2500 B (2.4 KiB), +250.0%: 1000 B -> 3500 B (3.4 KiB)\n"
            "      malloc\n"
            "      grows\n"
            "      main\n");
}

TEST(WriteDiffReport, LossesAreWarnedAbout) {
  Profile base;
  Profile now;
  now.losses = {{"events (ring buffer full)", 12}};
  std::ostringstream out;
  WriteDiffReport(out, base, now, 10);
  EXPECT_NE(out.str().find("WARNING: the new profile lost data (12 events (ring "
                           "buffer full)); its figures are lower bounds.\n"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("No stack holds more outstanding bytes than in the "
                           "base profile."),
            std::string::npos);
}

TEST(WriteDiffReport, TopLimitsTheList) {
  Profile base;
  Profile now;
  now.stacks = {HeapStack({"malloc", "a", "main"}, 300, 1),
                HeapStack({"malloc", "b", "main"}, 200, 1),
                HeapStack({"malloc", "c", "main"}, 100, 1)};
  std::ostringstream out;
  WriteDiffReport(out, base, now, 2);
  EXPECT_NE(out.str().find("Top 2 of 3 stacks"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("#2  +200 B, new"), std::string::npos);
  EXPECT_EQ(out.str().find("#3"), std::string::npos);
}

}  // namespace
}  // namespace allocprof
