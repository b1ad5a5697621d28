#include "userspace/outputs/pprof/gzip.h"

#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/outputs/pprof/protoc_text.h"

namespace allocprof {
namespace {

using ::testing::HasSubstr;

std::string RandomBytes(size_t n) {
  std::mt19937 rng(7);
  std::string data(n, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  return data;
}

TEST(Gzip, RoundTripsTextAndBinary) {
  for (const std::string& data :
       {std::string(), std::string("hello"), std::string(300000, 'x'), RandomBytes(200000)}) {
    absl::StatusOr<std::string> gz = GzipCompress(data);
    ASSERT_TRUE(gz.ok());
    EXPECT_TRUE(LooksGzipped(*gz));
    absl::StatusOr<std::string> back = GzipDecompress(*gz);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, data);
  }
}

TEST(Gzip, SystemGzipReadsOurOutput) {
  std::string data = "a line of text\n" + RandomBytes(5000);
  std::string dir = MakeTempDir();
  WriteWholeFile(dir + "/data.gz", *GzipCompress(data));
  ASSERT_TRUE(RunCommand("'" ALLOCPROF_GZIP "' -dc '" + dir + "/data.gz' > '" + dir +
                         "/data'").ok());
  EXPECT_EQ(ReadWholeFile(dir + "/data"), data);
}

TEST(Gzip, WeReadSystemGzipOutput) {
  std::string data = RandomBytes(70000);
  absl::StatusOr<std::string> gz = SystemGzip(data);
  ASSERT_TRUE(gz.ok()) << gz.status();
  absl::StatusOr<std::string> back = GzipDecompress(*gz);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, data);
}

TEST(Gzip, ConcatenatedMembersReadAsOne) {
  std::string gz = *GzipCompress("first ") + *GzipCompress("second");
  absl::StatusOr<std::string> back = GzipDecompress(gz);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, "first second");
}

TEST(Gzip, TruncatedAndCorruptDataFail) {
  std::string gz = *GzipCompress(RandomBytes(10000));
  for (size_t n : {size_t{0}, size_t{5}, gz.size() / 2, gz.size() - 1}) {
    absl::StatusOr<std::string> back = GzipDecompress(gz.substr(0, n));
    ASSERT_FALSE(back.ok()) << n;
    EXPECT_THAT(std::string(back.status().message()), HasSubstr("truncated")) << n;
  }
  std::string corrupt = gz;
  corrupt[gz.size() / 2] ^= 0x55;
  absl::StatusOr<std::string> back = GzipDecompress(corrupt);
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(std::string(back.status().message()), HasSubstr("gzip"));
}

TEST(Gzip, OutputOverTheLimitFails) {
  std::string gz = *GzipCompress(std::string(1 << 20, '\0'));
  absl::StatusOr<std::string> back = GzipDecompress(gz, 1000);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(Gzip, MagicBytes) {
  EXPECT_TRUE(LooksGzipped("\x1f\x8b\x08"));
  EXPECT_FALSE(LooksGzipped("\x1f"));
  EXPECT_FALSE(LooksGzipped("{\"schema\""));
}

}  // namespace
}  // namespace allocprof
