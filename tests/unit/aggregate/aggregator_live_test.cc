// Times and live objects: what the evidence module reads of the aggregator.
#include <algorithm>

#include "tests/unit/aggregate/aggregator_test_util.h"

namespace allocprof {
namespace {

std::vector<LiveObject> Sorted(std::vector<LiveObject> objects) {
  std::sort(objects.begin(), objects.end(),
            [](const LiveObject& a, const LiveObject& b) { return a.addr < b.addr; });
  return objects;
}

TEST(AggregatorLive, BlocksRememberWhenTheyWereAllocated) {
  Aggregator agg;
  agg.SetTime(100);
  agg.OnAlloc(1, 0x1000, 48);
  agg.SetTime(200);
  agg.OnAlloc(2, 0x2000, 64);
  agg.OnAlloc(1, 0x3000, 16);
  agg.OnFree(0x3000);
  agg.SetTime(300);
  agg.OnRealloc(2, 0x2000, 0x4000, 128);  // a new block, allocated now

  const auto live = Sorted(agg.LiveObjects());
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].addr, 0x1000u);
  EXPECT_EQ(live[0].stack, 1u);
  EXPECT_EQ(live[0].bytes, 48u);
  EXPECT_EQ(live[0].time_ns, 100u);
  EXPECT_EQ(live[0].kind, MemKind::kHeap);
  EXPECT_EQ(live[1].addr, 0x4000u);
  EXPECT_EQ(live[1].time_ns, 300u);
}

TEST(AggregatorLive, AMappingSplitByMunmapIsOneObject) {
  Aggregator agg;
  agg.SetTime(10);
  agg.OnMmap(7, Anon(0x100000, 4 * kPage));
  agg.SetTime(20);
  agg.OnMunmap(0x100000 + kPage, kPage);           // a hole
  agg.OnMmap(8, Anon(0x200000, kPage, kProtNone));  // reservation: no object
  agg.OnMmap(9, InAllocator(Anon(0x300000, kPage)));  // backing: no object

  const auto live = agg.LiveObjects();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].stack, 7u);
  EXPECT_EQ(live[0].kind, MemKind::kAnonMmap);
  EXPECT_EQ(live[0].addr, 0x100000u);
  EXPECT_EQ(live[0].bytes, 3 * kPage);
  EXPECT_EQ(live[0].time_ns, 10u);

  std::vector<RegionPiece> pieces;
  agg.ForEachOutstandingPiece([&](const RegionPiece& p) { pieces.push_back(p); });
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].end, 0x100000u + kPage);
  EXPECT_EQ(pieces[1].start, 0x100000u + 2 * kPage);
}

TEST(AggregatorLive, CommittedReservationIsNewAtCommitTime) {
  Aggregator agg;
  agg.SetTime(10);
  agg.OnMmap(1, Anon(0x100000, 4 * kPage, kProtNone));
  agg.SetTime(50);
  agg.OnMprotect(2, 0x100000, kPage, kProtRW, false);
  const auto live = agg.LiveObjects();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].stack, 2u);
  EXPECT_EQ(live[0].time_ns, 50u);
  EXPECT_EQ(live[0].bytes, kPage);
  agg.OnMunmap(0x100000, 4 * kPage);
  EXPECT_TRUE(agg.LiveObjects().empty());
}

}  // namespace
}  // namespace allocprof
