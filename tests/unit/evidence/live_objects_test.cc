#include "userspace/evidence/live_objects.h"

#include <gtest/gtest.h>

namespace allocprof {
namespace {

constexpr uint64_t kSecond = 1000000000;
constexpr uint64_t kNow = 1000 * kSecond;

LiveObject Heap(StackRef stack, uint64_t addr, uint64_t size, uint64_t age_s) {
  return {stack, MemKind::kHeap, addr, size, kNow - age_s * kSecond};
}

TEST(AgeBucket, Bounds) {
  EXPECT_EQ(AgeBucket(0), 0);
  EXPECT_EQ(AgeBucket(kSecond - 1), 0);
  EXPECT_EQ(AgeBucket(kSecond), 1);
  EXPECT_EQ(AgeBucket(59 * kSecond), 2);
  EXPECT_EQ(AgeBucket(60 * kSecond), 3);
  EXPECT_EQ(AgeBucket(600 * kSecond), 4);
  EXPECT_STREQ(AgeBucketLabel(0), "<1s");
  EXPECT_STREQ(AgeBucketLabel(4), "older");
}

TEST(SizeClass, PowersOfTwo) {
  EXPECT_EQ(SizeClass(0), 0);
  EXPECT_EQ(SizeClass(1), 0);
  EXPECT_EQ(SizeClass(2), 1);
  EXPECT_EQ(SizeClass(3), 1);
  EXPECT_EQ(SizeClass(4096), 12);
  EXPECT_EQ(SizeClass(8191), 12);
  EXPECT_EQ(SizeClass(16ull << 20), 24);
  EXPECT_EQ(SizeClass(~0ull), 63);
}

TEST(LiveByStack, AgesSizesAndCommonSize) {
  const LiveByStack live(
      {Heap(1, 0x1000, 48, 0), Heap(1, 0x2000, 48, 5), Heap(1, 0x3000, 4096, 700),
       Heap(1, 0x4000, 100, 30), Heap(2, 0x5000, 16, 1)},
      kNow, 0, 2);
  const StackLive* s = live.Find(1);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->bytes[0], 48 + 48 + 4096 + 100);
  EXPECT_EQ(s->objects[0], 4);
  EXPECT_EQ(s->evidence.oldest_age_ns, static_cast<int64_t>(700 * kSecond));
  EXPECT_EQ(s->evidence.newest_age_ns, 0);
  const int64_t ages[kAgeBuckets] = {1, 1, 1, 0, 1};
  for (int b = 0; b < kAgeBuckets; ++b) EXPECT_EQ(s->evidence.age_objects[b], ages[b]) << b;
  EXPECT_EQ(s->evidence.size_objects[5], 2);   // 48
  EXPECT_EQ(s->evidence.size_objects[6], 1);   // 100
  EXPECT_EQ(s->evidence.size_objects[12], 1);  // 4096
  EXPECT_EQ(s->evidence.common_size, 48u);
  EXPECT_EQ(s->evidence.common_size_objects, 2);
  ASSERT_EQ(s->oldest.size(), 2u);  // oldest first, two kept
  EXPECT_EQ(s->oldest[0].addr, 0x3000u);
  EXPECT_EQ(s->oldest[1].addr, 0x4000u);
  EXPECT_EQ(live.bytes()[0], 48 + 48 + 4096 + 100 + 16);
  EXPECT_EQ(live.Find(3), nullptr);
}

TEST(LiveByStack, CommonSizeTieGoesToTheSmaller) {
  const LiveByStack live({Heap(1, 1, 64, 1), Heap(1, 2, 32, 1)}, kNow, 0, 0);
  EXPECT_EQ(live.Find(1)->evidence.common_size, 32u);
  EXPECT_TRUE(live.Find(1)->oldest.empty());
}

TEST(LiveByStack, MinAgeDropsYoungAllocations) {
  const LiveObject map{3, MemKind::kAnonMmap, 0x7000, 1 << 20, kNow - 20 * kSecond};
  const LiveByStack live({Heap(1, 0x1000, 100, 0), Heap(1, 0x2000, 200, 29),
                          Heap(1, 0x3000, 300, 30), Heap(1, 0x4000, 400, 31),
                          Heap(2, 0x5000, 10, 1), map},
                         kNow, 30 * kSecond, 10);
  const StackLive* s = live.Find(1);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->bytes[0], 300 + 400);  // exactly 30 s old counts
  EXPECT_EQ(s->objects[0], 2);
  EXPECT_EQ(s->evidence.newest_age_ns, static_cast<int64_t>(30 * kSecond));
  EXPECT_EQ(live.Find(2), nullptr);
  EXPECT_EQ(live.Find(3), nullptr);
  EXPECT_EQ(live.bytes()[0], 700);
  EXPECT_EQ(live.bytes()[1], 0);
}

TEST(LiveByStack, StampedAfterNowIsAgeZero) {
  const LiveByStack live({{1, MemKind::kHeap, 1, 8, kNow + 5}}, kNow, 0, 1);
  EXPECT_EQ(live.Find(1)->evidence.oldest_age_ns, 0);
}

}  // namespace
}  // namespace allocprof
