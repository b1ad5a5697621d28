#include "userspace/evidence/growth_score.h"

#include <gtest/gtest.h>

#include <vector>

namespace allocprof {
namespace {

// Twelve samples a second apart.
std::vector<double> Seconds() {
  std::vector<double> s;
  for (int i = 1; i <= 12; ++i) s.push_back(i);
  return s;
}

// 2 KiB a second, every second: a slow leak.
std::vector<int64_t> SlowLeak() {
  std::vector<int64_t> v;
  for (int i = 1; i <= 12; ++i) v.push_back(2048 * i);
  return v;
}

// 64 MiB filled during the first interval, then kept: a cache.
std::vector<int64_t> Cache() {
  std::vector<int64_t> v(12, 64 << 20);
  v[0] = 40 << 20;
  return v;
}

// Allocates and frees: whatever happens to be in flight at each sample.
std::vector<int64_t> Churn() {
  return {4096, 0, 65536, 8192, 0, 131072, 4096, 0, 0, 65536, 0, 4096};
}

TEST(GrowthScore, SlowLeakRanksAboveCacheAndChurn) {
  const GrowthScore leak = ScoreGrowth(Seconds(), SlowLeak());
  const GrowthScore cache = ScoreGrowth(Seconds(), Cache());
  const GrowthScore churn = ScoreGrowth(Seconds(), Churn());
  EXPECT_NEAR(leak.bytes_per_second, 2048, 1e-6);
  EXPECT_NEAR(leak.fit, 1.0, 1e-9);
  EXPECT_EQ(leak.steps, 11);
  EXPECT_EQ(leak.steps_not_down, 11);
  EXPECT_TRUE(leak.suspect);
  EXPECT_FALSE(cache.suspect) << "rate " << cache.bytes_per_second << " fit "
                              << cache.fit;
  EXPECT_FALSE(churn.suspect) << "rate " << churn.bytes_per_second << " fit "
                              << churn.fit;
  EXPECT_GT(leak.score, cache.score);
  EXPECT_GT(leak.score, churn.score);
}

TEST(GrowthScore, CacheFilledBeforeTheFirstSampleIsFlat) {
  const GrowthScore cache = ScoreGrowth(Seconds(), std::vector<int64_t>(12, 1 << 30));
  EXPECT_EQ(cache.bytes_per_second, 0);
  EXPECT_EQ(cache.score, 0);
  EXPECT_FALSE(cache.suspect);
}

TEST(GrowthScore, GrowthThatStoppedHalfwayIsNoSuspect) {
  std::vector<int64_t> v;
  for (int i = 1; i <= 12; ++i) v.push_back(1000 * std::min(i, 5));
  const GrowthScore g = ScoreGrowth(Seconds(), v);
  EXPECT_GT(g.bytes_per_second, 0);
  EXPECT_FALSE(g.suspect);
}

TEST(GrowthScore, TooFewSamplesAreNoSuspect) {
  EXPECT_FALSE(ScoreGrowth({1, 2}, {100, 200}).suspect);
  EXPECT_FALSE(ScoreGrowth({}, {}).suspect);
  EXPECT_FALSE(ScoreGrowth({1}, {5}).suspect);
}

TEST(GrowthScore, LeakSuspectsRankAndSkipOthers) {
  Profile p;
  p.growth_seconds = Seconds();
  const std::vector<std::vector<int64_t>> series = {
      Cache(), Churn(), SlowLeak(), [] {
        std::vector<int64_t> fast;
        for (int i = 1; i <= 12; ++i) fast.push_back(100000 * i);
        return fast;
      }()};
  for (const auto& s : series) {
    ProfileStack stack;
    stack.evidence.growth = s;
    p.stacks.push_back(stack);
  }
  ProfileStack short_series;  // not sampled as often: skipped, not misread
  short_series.evidence.growth = {1, 2, 3};
  p.stacks.push_back(short_series);

  const std::vector<LeakSuspect> suspects = LeakSuspects(p);
  ASSERT_EQ(suspects.size(), 2u);
  EXPECT_EQ(suspects[0].stack, 3u);  // the faster leak first
  EXPECT_EQ(suspects[1].stack, 2u);
}

}  // namespace
}  // namespace allocprof
