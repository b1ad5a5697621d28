#include "userspace/events/sampling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace allocprof {
namespace {

constexpr uint64_t kMean = 512 * 1024;

TEST(SampledBytes, SmallBlocksStandForAboutTheMeanGap) {
  // s / (1 - exp(-s/N)) -> N + s/2 for s << N.
  EXPECT_NEAR(static_cast<double>(SampledBytes(16, kMean)), kMean + 8.0, 1.0);
  EXPECT_NEAR(static_cast<double>(SampledBytes(1, kMean)), kMean + 0.5, 1.0);
}

TEST(SampledBytes, HugeBlocksStandForThemselves) {
  const uint64_t huge = 64ull << 20;
  EXPECT_EQ(SampledBytes(huge, kMean), huge);
}

TEST(SampledBytes, NoSamplingOrNoBytesIsIdentity) {
  EXPECT_EQ(SampledBytes(1000, 0), 1000u);
  EXPECT_EQ(SampledBytes(0, kMean), 0u);
}

// The estimator is unbiased: simulate the BPF side's Poisson sampling over
// many allocations and compare the estimated total with the truth.
TEST(SampledBytes, EstimateOfAPoissonSampleIsUnbiased) {
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> gap(1.0 / kMean);
  const uint64_t sizes[] = {16, 100, 4096, 65536, 1 << 20};
  double budget = gap(rng);
  double truth = 0, estimate = 0;
  for (int i = 0; i < 2000000; ++i) {
    const uint64_t size = sizes[i % 5];
    truth += static_cast<double>(size);
    budget -= static_cast<double>(size);
    if (budget > 0) continue;
    budget = gap(rng);
    estimate += static_cast<double>(SampledBytes(size, kMean));
  }
  // sd < sqrt(N * T) / T = 0.3% here.
  EXPECT_NEAR(estimate / truth, 1.0, 0.015);
}

}  // namespace
}  // namespace allocprof
