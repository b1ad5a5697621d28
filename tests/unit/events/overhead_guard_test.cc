#include "userspace/events/overhead_guard.h"

#include "gtest/gtest.h"

namespace allocprof {
namespace {

// Round figures: 1 us an emulated hit, 10 us a single-stepped one, 0.5 us a
// return.
constexpr ProbeCosts kCosts = {1000, 10000, 500};

GuardOptions Budget(double fraction, bool sessions = true) {
  GuardOptions options;
  options.budget = fraction;
  options.returns_follow_samples = sessions;
  return options;
}

// `calls` allocating calls a second for `seconds`, each with an emulated
// entry and a return, and `run_ns` of program time each.
ProbeActivity Calls(uint64_t calls, double run_ns) {
  return {calls, 0, calls, static_cast<uint64_t>(calls * run_ns)};
}

TEST(OverheadGuardTest, WithinBudgetChangesNothing) {
  OverheadGuard guard(Budget(0.05), kCosts, 0);
  // 10k calls a second at 1 + 0.5 + 1 us: 2.5 % of a core.
  EXPECT_EQ(guard.Observe(1.0, Calls(10000, 1000), 10000, 640000), std::nullopt);
  ASSERT_EQ(guard.windows().size(), 1u);
  EXPECT_NEAR(guard.windows()[0].probe_fraction, 0.025, 1e-9);
  EXPECT_EQ(guard.mean(), 0u);
  EXPECT_TRUE(guard.changes().empty());
}

TEST(OverheadGuardTest, NoDecisionBeforeAWindowHasPassed) {
  OverheadGuard guard(Budget(0.05), kCosts, 0);
  EXPECT_EQ(guard.Observe(0.5, Calls(1000000, 1000), 1000000, 64000000), std::nullopt);
  EXPECT_TRUE(guard.windows().empty());
}

TEST(OverheadGuardTest, OverBudgetStartsSamplingFromTheAverageSize) {
  OverheadGuard guard(Budget(0.10), kCosts, 0);
  // 40k calls of 64 B a second: traps 40 ms, returns 20 ms, programs 80 ms
  // (2 us a call): 14 %. Fixed: 40 ms of traps and 6 ms of undrawn runs;
  // the rest, 94 ms, must fit 80 % of 100 ms less the fixed 46: 34 ms.
  std::optional<uint64_t> mean = guard.Observe(1.0, Calls(40000, 2000), 40000, 40000 * 64);
  ASSERT_TRUE(mean.has_value());
  EXPECT_NEAR(static_cast<double>(*mean), 64.0 * 94 / 34, 1.0);
  ASSERT_EQ(guard.changes().size(), 1u);
  EXPECT_EQ(guard.changes()[0].from_mean, 0u);
  EXPECT_EQ(guard.changes()[0].to_mean, *mean);
  EXPECT_NEAR(guard.changes()[0].probe_fraction, 0.14, 1e-9);
  EXPECT_FALSE(guard.traps_exceed_budget());
}

TEST(OverheadGuardTest, RaisesAnExistingMeanByAtLeastAQuarter) {
  OverheadGuard guard(Budget(0.10), kCosts, 512 * 1024);
  // Just over budget, nearly all of it in the programs: 10.55 %.
  ProbeActivity a = {10000, 0, 1000, 95000000};
  std::optional<uint64_t> mean = guard.Observe(1.0, a, 0, 0);
  ASSERT_TRUE(mean.has_value());
  EXPECT_GE(*mean, 512u * 1024 * 5 / 4);
}

TEST(OverheadGuardTest, TrapsAboveTheBudgetGoToTheLargestMeanAndSaySo) {
  GuardOptions options = Budget(0.05);
  OverheadGuard guard(options, kCosts, 0);
  // 10k single-stepped hits a second: 100 ms of traps alone.
  ProbeActivity a = {0, 10000, 10000, 10000000};
  std::optional<uint64_t> mean = guard.Observe(1.0, a, 10000, 640000);
  ASSERT_TRUE(mean.has_value());
  EXPECT_EQ(*mean, options.max_mean);
  EXPECT_TRUE(guard.traps_exceed_budget());
  // Nothing left to raise: no more changes.
  ProbeActivity b = {0, 20000, 20000, 20000000};
  EXPECT_EQ(guard.Observe(2.0, b, 20000, 1280000), std::nullopt);
  EXPECT_EQ(guard.changes().size(), 1u);
}

TEST(OverheadGuardTest, WithPagesModeToGoOnTrapsAboveTheBudgetAskTheProbesToLeave) {
  GuardOptions options = Budget(0.05);
  options.pages_when_traps_exceed = true;
  OverheadGuard guard(options, kCosts, 0);
  // 10k single-stepped hits a second: 100 ms of traps alone, twice the budget.
  ProbeActivity a = {0, 10000, 10000, 10000000};
  EXPECT_EQ(guard.Observe(1.0, a, 10000, 640000), std::nullopt) << "no mean to apply";
  EXPECT_TRUE(guard.leave_probes());
  EXPECT_TRUE(guard.traps_exceed_budget());
  EXPECT_TRUE(guard.changes().empty()) << "sampling never changed";
  EXPECT_EQ(guard.mean(), 0u);
  ASSERT_EQ(guard.windows().size(), 1u);
  EXPECT_GT(guard.windows()[0].probe_fraction, 0.10);
}

TEST(OverheadGuardTest, TrapsJustUnderTheBudgetAreSampledNotLeft) {
  GuardOptions options = Budget(0.05);
  options.pages_when_traps_exceed = true;
  OverheadGuard guard(options, kCosts, 0);
  // 40k emulated hits a second: 40 ms of traps and 6 ms of undrawn runs,
  // under the 50 ms budget but over the 80 % the guard aims at; returns and
  // programs put the window over.
  ProbeActivity a = {40000, 0, 40000, 40000ull * 2000};
  std::optional<uint64_t> mean = guard.Observe(1.0, a, 40000, 40000 * 64);
  ASSERT_TRUE(mean.has_value());
  EXPECT_EQ(*mean, options.max_mean) << "as sparse as it can";
  EXPECT_FALSE(guard.leave_probes());
}

TEST(OverheadGuardTest, PlainUprobesPayEveryReturnWhateverTheMean) {
  // 40k calls: 40 ms entries + 40 ms returns fixed without sessions, over
  // 80 % of a 10 % budget: sampling cannot help.
  OverheadGuard plain(Budget(0.10, /*sessions=*/false), kCosts, 0);
  ProbeActivity a = {40000, 0, 80000, 40000000};
  ASSERT_TRUE(plain.Observe(1.0, a, 40000, 40000 * 64).has_value());
  EXPECT_TRUE(plain.traps_exceed_budget());
  // With sessions the returns of calls not drawn go away.
  OverheadGuard sessions(Budget(0.10), kCosts, 0);
  ASSERT_TRUE(sessions.Observe(1.0, a, 40000, 40000 * 64).has_value());
  EXPECT_FALSE(sessions.traps_exceed_budget());
}

TEST(OverheadGuardTest, WindowsAreMeasuredFromTheLastOne) {
  OverheadGuard guard(Budget(0), kCosts, 0);  // 0: records, never acts
  EXPECT_EQ(guard.Observe(1.0, Calls(10000, 0), 10000, 0), std::nullopt);
  EXPECT_EQ(guard.Observe(3.0, Calls(30000, 0), 30000, 0), std::nullopt);
  ASSERT_EQ(guard.windows().size(), 2u);
  // 20k calls over 2 s at 1.5 us: 1.5 %.
  EXPECT_NEAR(guard.windows()[1].probe_fraction, 0.015, 1e-9);
  EXPECT_NEAR(guard.ProbeSeconds(Calls(30000, 0)), 0.045, 1e-9);
  EXPECT_TRUE(guard.changes().empty());
}

}  // namespace
}  // namespace allocprof
