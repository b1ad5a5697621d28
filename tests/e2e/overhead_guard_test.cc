// --max-overhead: the guard watches what the probes cost the target and,
// over budget, starts sampling while tracing goes on. Against
// tests/testprogs/rising_rate: quiet, then busy at a rate full tracing
// cannot afford within the budget.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/rising_rate_truth.h"
#include "userspace/outputs/profile_file.h"

namespace allocprof::e2e {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class OverheadGuardTest : public E2eTest {};

TEST_F(OverheadGuardTest, SamplesOnceBusyAndKeepsTheBudgetAndTheLeak) {
  constexpr double kBudget = 0.10;
  const std::string json = ScratchPath("rising.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--max-overhead", "10", "--json", json, "--", kRisingRate, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  ASSERT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  auto profile = ReadProfileFile(json);
  ASSERT_TRUE(profile.ok()) << profile.status();
  const ProbeOverhead& o = profile->overhead;

  // The guard engaged, once the busy phase began, from full tracing.
  ASSERT_FALSE(o.changes.empty()) << Outputs(*ap);
  EXPECT_EQ(o.changes[0].from_mean, 0u);
  EXPECT_GT(o.changes[0].probe_fraction, kBudget);
  EXPECT_FALSE(o.traps_exceed_budget) << Outputs(*ap);
  EXPECT_EQ(profile->sample_bytes, o.changes.back().to_mean);
  EXPECT_THAT(ap->out(), HasSubstr("sampling changed from every allocation to one allocation per"));
  EXPECT_THAT(ap->out(), HasSubstr("Probe overhead: about"));
  // And held the budget within a factor of 1.5 in every window that began
  // after its last change.
  const double settled = o.changes.back().at_seconds;
  int checked = 0;
  for (size_t i = 1; i < o.windows.size(); ++i) {
    if (o.windows[i - 1].end_seconds < settled) continue;
    ++checked;
    EXPECT_LE(o.windows[i].probe_fraction, 1.5 * kBudget)
        << "window ending at " << o.windows[i].end_seconds << " s\n"
        << Outputs(*ap);
  }
  EXPECT_GE(checked, 2) << Outputs(*ap);

  // The leak is found, its bytes within the sampling tolerance: its blocks
  // are large against any mean the guard picks, so nearly all are drawn.
  const double truth = static_cast<double>(RISING_LEAK_BYTES);
  EXPECT_NEAR(static_cast<double>(ProfileBytesThrough(*profile, "leak_steadily")) / truth, 1.0, 0.10)
      << Outputs(*ap);
  // Blocks recorded before the switch and freed after it were seen freed.
  EXPECT_EQ(ProfileBytesThrough(*profile, "hold_blocks"), 0) << Outputs(*ap);
  // Churn frees all it allocates; a sampled block in flight at most.
  EXPECT_LT(ProfileBytesThrough(*profile, "churn_pairs"), 64 * 1024) << Outputs(*ap);
  EXPECT_TRUE(profile->losses.empty()) << Outputs(*ap);
}

// A budget the traps alone exceed once the target is busy (1 %: 25 pairs a
// millisecond hit their probes about 50k times a second): the allocator
// probes leave and the session goes on in pages mode, where the leak's
// pages are still found; both reports are printed, the outputs get the
// pages-mode profile, and it says when and why.
TEST_F(OverheadGuardTest, TrapsOverTheBudgetHandTheSessionToPagesMode) {
  const std::string json = ScratchPath("rising_pages.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--max-overhead", "1", "--json", json, "--", kRisingRate, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  ASSERT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  EXPECT_THAT(ap->err(), HasSubstr("the allocator probes left; going on in pages mode"))
      << Outputs(*ap);
  const size_t heap_report = ap->out().find("Until the allocator probes left");
  const size_t pages_report = ap->out().find("From then on, in pages mode:");
  ASSERT_NE(heap_report, std::string::npos) << Outputs(*ap);
  ASSERT_NE(pages_report, std::string::npos) << Outputs(*ap);
  EXPECT_LT(heap_report, pages_report);

  auto profile = ReadProfileFile(json);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->page_bytes, 4096u) << "the outputs get the pages-mode profile";
  EXPECT_TRUE(profile->overhead.traps_exceed_budget) << Outputs(*ap);
  // The guard's notes from the allocations' phase come along: a change of
  // the mean first, perhaps, and the probes' leaving.
  EXPECT_THAT(profile->notes, Contains(HasSubstr("the allocator probes were removed and tracing "
                                                 "went on in pages mode (--over-budget pages)")))
      << Outputs(*ap);
  // malloc writes into the leak's blocks (their chunk headers): pages made
  // resident under leak_steadily after the switch.
  EXPECT_GT(ProfileBytesThrough(*profile, "leak_steadily"), 0) << Outputs(*ap);
}

// --over-budget sample: the probes stay, sampling as sparsely as it can.
TEST_F(OverheadGuardTest, OverBudgetSampleKeepsTheProbes) {
  const std::string json = ScratchPath("rising_sample.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing({"--max-overhead", "1", "--over-budget", "sample",
                                        "--json", json, "--", kRisingRate, "--now"},
                                       0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  ASSERT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  EXPECT_THAT(ap->out(), Not(HasSubstr("From then on, in pages mode"))) << Outputs(*ap);
  auto profile = ReadProfileFile(json);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->page_bytes, 0u);
  EXPECT_TRUE(profile->overhead.traps_exceed_budget) << Outputs(*ap);
  ASSERT_FALSE(profile->overhead.changes.empty());
  EXPECT_GT(profile->sample_bytes, 0u);
  // Its leak's blocks are large against the mean: found all the same.
  EXPECT_GT(ProfileBytesThrough(*profile, "leak_steadily"), 0) << Outputs(*ap);
}

TEST_F(OverheadGuardTest, OffTracesEveryCall) {
  const std::string json = ScratchPath("rising_off.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--max-overhead", "0", "--json", json, "--", kRisingRate, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  ASSERT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  auto profile = ReadProfileFile(json);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->sample_bytes, 0u);
  EXPECT_TRUE(profile->overhead.changes.empty());
  EXPECT_EQ(ProfileBytesThrough(*profile, "leak_steadily"), static_cast<int64_t>(RISING_LEAK_BYTES));
  EXPECT_EQ(ProfileBytesThrough(*profile, "hold_blocks"), 0);
}

}  // namespace
}  // namespace allocprof::e2e
