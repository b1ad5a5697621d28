#include "tools/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace allocprof {
namespace {

using ::testing::ElementsAre;

TEST(ParseByteSize, PlainAndBinarySuffixes) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_EQ(*ParseByteSize("512K"), 512u * 1024);
  EXPECT_EQ(*ParseByteSize("512KiB"), 512u * 1024);
  EXPECT_EQ(*ParseByteSize("1M"), 1u << 20);
  EXPECT_EQ(*ParseByteSize("2G"), 2ull << 30);
  EXPECT_EQ(*ParseByteSize("0"), 0u);
  for (const char* bad : {"", "K", "lots", "-1", "1.5M", "99999999999999999999G"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

TEST(ParseSampleBytes, RefusesIntervalsBeyondOneTebibyte) {
  EXPECT_EQ(*ParseSampleBytes("512K"), 512u * 1024);
  EXPECT_EQ(*ParseSampleBytes("0"), 0u);
  EXPECT_EQ(*ParseSampleBytes("1099511627776"), kMaxSampleBytes);
  EXPECT_FALSE(ParseSampleBytes("1099511627777").ok());
  EXPECT_FALSE(ParseSampleBytes("18446744073709551615").ok());
  EXPECT_FALSE(ParseSampleBytes("18446744073709551616").ok());
  EXPECT_FALSE(ParseSampleBytes("2048G").ok());
  EXPECT_FALSE(ParseSampleBytes("-1").ok());
}

TEST(ParseSeconds, RefusesNanInfinitiesAndNegatives) {
  EXPECT_EQ(*ParseSeconds("-d", 0), absl::ZeroDuration());
  EXPECT_EQ(*ParseSeconds("-d", 2.5), absl::Milliseconds(2500));
  for (double bad : {std::nan(""), -std::nan(""), HUGE_VAL, -HUGE_VAL, -1.0, -0.001, 1e300}) {
    absl::StatusOr<absl::Duration> d = ParseSeconds("--interval", bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_THAT(std::string(d.status().message()), ::testing::StartsWith("--interval needs"));
    EXPECT_EQ(std::string(d.status().message()).find('\n'), std::string::npos);
  }
}

TEST(NormalizeOptionNames, DashesInLongNamesBecomeUnderscores) {
  std::vector<std::string> args = {"allocprof", "--min-age=30s", "--sample-bytes",
                                   "512K", "-p", "1", "--", "cmd", "--keep-me"};
  NormalizeOptionNames(&args);
  EXPECT_THAT(args, ElementsAre("allocprof", "--min_age=30s", "--sample_bytes",
                                "512K", "-p", "1", "--", "cmd", "--keep-me"));
}

TEST(TakeRepeatedOption, CollectsEveryValueAndLeavesTheRest) {
  std::vector<std::string> args = {"allocprof", "--alloc_fn", "a:b:size=ARG1",
                                   "-p", "7", "--alloc_fn=c:d:size=ARG2", "--",
                                   "cmd", "--alloc_fn", "x"};
  bool missing = false;
  EXPECT_THAT(TakeRepeatedOption(&args, "alloc_fn", &missing),
              ElementsAre("a:b:size=ARG1", "c:d:size=ARG2"));
  EXPECT_FALSE(missing);
  EXPECT_THAT(args, ElementsAre("allocprof", "-p", "7", "--", "cmd", "--alloc_fn", "x"));
}

TEST(TakeRepeatedOption, MissingValueIsReported) {
  std::vector<std::string> args = {"allocprof", "--free_fn"};
  bool missing = false;
  EXPECT_TRUE(TakeRepeatedOption(&args, "free_fn", &missing).empty());
  EXPECT_TRUE(missing);
}

}  // namespace
}  // namespace allocprof
