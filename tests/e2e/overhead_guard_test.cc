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

using ::testing::HasSubstr;

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
