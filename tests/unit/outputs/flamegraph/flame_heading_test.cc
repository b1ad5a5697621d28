#include "userspace/outputs/flamegraph/flame_heading.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/outputs/flamegraph/flame_test_util.h"

namespace allocprof {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(ShortBytes, BytesThenOneDecimal) {
  EXPECT_EQ(ShortBytes(0), "0 B");
  EXPECT_EQ(ShortBytes(1023), "1023 B");
  EXPECT_EQ(ShortBytes(1536), "1.5 KiB");
  EXPECT_EQ(ShortBytes(3LL << 30), "3.0 GiB");
  EXPECT_EQ(ShortBytes(-2048), "-2.0 KiB");
}

TEST(HeadingOf, TargetDurationAndTotals) {
  FlameHeading h = HeadingOf(ThreeLeaks(), Weight::kBytes, "");
  EXPECT_EQ(h.title, "In-use memory of PID 42 (app)");
  ASSERT_THAT(h.facts, SizeIs(1));
  EXPECT_EQ(h.facts[0],
            "traced for 2.5 s; 4.4 KiB in use in 9 objects; 5.9 KiB allocated in "
            "12 objects, 1.5 KiB freed; 17 events");
  EXPECT_THAT(h.warnings, IsEmpty());
  EXPECT_EQ(HeadingOf(ThreeLeaks(), Weight::kObjects, "").title,
            "Live objects of PID 42 (app)");
}

TEST(HeadingOf, CommandLineWhenKnown) {
  Profile p = ThreeLeaks();
  p.command_line = {"/usr/bin/app", "--port", "80"};
  FlameHeading h = HeadingOf(p, Weight::kBytes, "");
  EXPECT_THAT(h.facts, ElementsAre(HasSubstr("traced for"), "command: /usr/bin/app --port 80"));
}

TEST(HeadingOf, LossesMakeAWarningThatFiguresAreLowerBounds) {
  Profile p = ThreeLeaks();
  p.losses = {{"events (ring buffer full)", 12}, {"stacks (stack map full)", 3}};
  FlameHeading h = HeadingOf(p, Weight::kBytes, "");
  ASSERT_THAT(h.warnings, SizeIs(1));
  EXPECT_THAT(h.warnings[0], HasSubstr("lower bounds"));
  EXPECT_THAT(h.warnings[0],
              HasSubstr("12 events (ring buffer full); 3 stacks (stack map full)"));
}

TEST(HeadingOf, ATitleGivenReplacesOnlyTheTitle) {
  Profile p = ThreeLeaks();
  p.losses = {{"events (ring buffer full)", 1}};
  FlameHeading h = HeadingOf(p, Weight::kBytes, "nightly run");
  EXPECT_EQ(h.title, "nightly run");
  EXPECT_THAT(h.facts, SizeIs(1));
  EXPECT_THAT(h.warnings, SizeIs(1));
}

TEST(DiffHeadingOf, BothSessionsAndTheGrowth) {
  Profile base = ThreeLeaks();
  base.totals.outstanding.bytes[0] = 1500;
  base.target = "PID 41 (app)";
  base.losses = {{"events (ring buffer full)", 5}};
  FlameHeading h = DiffHeadingOf(base, ThreeLeaks(), Weight::kBytes, "");
  EXPECT_EQ(h.title, "In-use memory change of PID 42 (app) against PID 41 (app)");
  ASSERT_THAT(h.facts, SizeIs(3));
  EXPECT_THAT(h.facts[0], HasSubstr("base: traced for 2.5 s; 1.5 KiB in use"));
  EXPECT_THAT(h.facts[1], HasSubstr("now: traced for 2.5 s; 4.4 KiB in use in 9 objects (+2.9 KiB)"));
  ASSERT_THAT(h.warnings, SizeIs(1));
  EXPECT_THAT(h.warnings[0], HasSubstr("tracing the base profile, so its figures are lower bounds"));
  EXPECT_THAT(h.warnings[0], HasSubstr("5 events (ring buffer full)"));
}

}  // namespace
}  // namespace allocprof
