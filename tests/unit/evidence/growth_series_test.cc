#include "userspace/evidence/growth_series.h"

#include <gtest/gtest.h>

namespace allocprof {
namespace {

std::vector<std::pair<StackRef, Usage>> Holding(StackRef stack, int64_t bytes) {
  Usage u;
  u.bytes[0] = bytes;
  return {{stack, u}};
}

TEST(GrowthSeries, StacksThatAppearLaterHeldNothingBefore) {
  GrowthSeries series;
  series.Add(1, Holding(1, 100));
  series.Add(2, {});
  series.Add(3, Holding(2, 50));
  EXPECT_EQ(series.seconds(), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(series.Of(1), (std::vector<int64_t>{100, 0, 0}));
  EXPECT_EQ(series.Of(2), (std::vector<int64_t>{0, 0, 50}));
  EXPECT_EQ(series.Of(9), (std::vector<int64_t>{0, 0, 0}));
}

TEST(GrowthSeries, ThinsEvenlyPastTheLimit) {
  GrowthSeries series(4);
  EXPECT_FALSE(series.Add(1, Holding(1, 1)));
  EXPECT_FALSE(series.Add(2, Holding(1, 2)));
  EXPECT_FALSE(series.Add(3, Holding(1, 3)));
  EXPECT_FALSE(series.Add(4, Holding(1, 4)));
  EXPECT_TRUE(series.Add(5, Holding(1, 5)));
  EXPECT_EQ(series.seconds(), (std::vector<double>{1, 3, 5}));
  EXPECT_EQ(series.Of(1), (std::vector<int64_t>{1, 3, 5}));
}

TEST(GrowthSampleInterval, GivenDefaultAndOpenEnded) {
  EXPECT_EQ(GrowthSampleInterval(absl::Seconds(100), absl::Seconds(3)),
            absl::Seconds(3));
  EXPECT_EQ(GrowthSampleInterval(absl::Seconds(100), absl::ZeroDuration()),
            absl::Seconds(5));
  EXPECT_EQ(GrowthSampleInterval(absl::Seconds(4), absl::ZeroDuration()),
            absl::Seconds(1));
  EXPECT_EQ(GrowthSampleInterval(absl::Hours(10), absl::ZeroDuration()),
            absl::Seconds(60));
  EXPECT_EQ(GrowthSampleInterval(absl::InfiniteDuration(), absl::ZeroDuration()),
            absl::Seconds(1));
}

}  // namespace
}  // namespace allocprof
