// Accounting::kPages (--mode pages): resident pages by the stack whose write
// faulted them in, released by munmap, mremap, brk shrinks, madvise and
// mappings placed over them.
#include "gtest/gtest.h"
#include "tests/unit/aggregate/aggregator_test_util.h"
#include "userspace/aggregate/aggregator.h"

namespace allocprof {
namespace {

constexpr uint64_t A = 0x7f0000000000;  // 2 MiB aligned
constexpr uint64_t kHuge = 2 << 20;
constexpr int64_t P = kPage;
constexpr int kPages = static_cast<int>(MemKind::kPages);

Aggregator PagesAggregator() { return Aggregator(kPage, Accounting::kPages); }

// Faults in pages [first, first + n) of A, one fault per page.
void Touch(Aggregator& agg, StackRef stack, uint64_t first, uint64_t n) {
  for (uint64_t i = first; i < first + n; ++i) agg.OnPageFault(stack, A + i * P + 123);
}

TEST(AggregatorPagesTest, EachFaultedPageCountsOnceAsOneObject) {
  Aggregator agg = PagesAggregator();
  Touch(agg, 1, 0, 10);
  Touch(agg, 2, 0, 10);  // resident already: another thread's fault, a retry
  const Usage u = UsageOf(agg, 1);
  EXPECT_EQ(u.bytes[kPages], 10 * P);
  EXPECT_EQ(u.objects[kPages], 10);
  EXPECT_FALSE(Listed(agg, 2));
  ExpectConsistent(agg);
}

TEST(AggregatorPagesTest, MappingsAndBreakGrowthCountNothingByThemselves) {
  Aggregator agg = PagesAggregator();
  agg.OnMmap(1, Anon(A, 100 * P));
  agg.OnBrk(1, A + kHuge, A + 2 * kHuge, false);
  agg.OnMremap(1, A, 100 * P, A, 200 * P, kMremapMayMove, false);
  agg.OnMprotect(1, A, 100 * P, kProtNone, false);
  EXPECT_TRUE(agg.ByStack().empty());
  EXPECT_EQ(agg.totals().alloc_bytes, 0u);
}

TEST(AggregatorPagesTest, MadviseAndMunmapReleaseExactlyTheirPages) {
  // The e2e test's program: 1000 pages touched, 300 dropped with madvise,
  // 200 unmapped.
  Aggregator agg = PagesAggregator();
  agg.OnMmap(7, Anon(A, 1000 * P));
  Touch(agg, 1, 0, 1000);
  agg.OnPagesDropped(A, 300 * P);
  agg.OnMunmap(A + 800 * P, 200 * P);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kPages], 500 * P);
  EXPECT_EQ(UsageOf(agg, 1).objects[kPages], 500);
  EXPECT_EQ(agg.totals().freed_bytes, 500u * P);
  // Pages never faulted are address space, not memory released.
  agg.OnMunmap(A + 2000 * P, 50 * P);
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 0u);
  ExpectConsistent(agg);
}

TEST(AggregatorPagesTest, DroppedPagesCountAgainWhenWrittenAgain) {
  Aggregator agg = PagesAggregator();
  Touch(agg, 1, 0, 4);
  agg.OnPagesDropped(A, 4 * P);
  Touch(agg, 2, 0, 4);
  EXPECT_FALSE(Listed(agg, 1));
  EXPECT_EQ(UsageOf(agg, 2).bytes[kPages], 4 * P);
  ExpectConsistent(agg);
}

TEST(AggregatorPagesTest, MremapMovesPagesWithTheirOwnersAndShrinkReleases) {
  Aggregator agg = PagesAggregator();
  Touch(agg, 1, 0, 8);
  const uint64_t B = A + 16 * kHuge;
  agg.OnMremap(2, A, 8 * P, B, 6 * P, kMremapMayMove | kMremapFixed, false);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kPages], 6 * P);
  EXPECT_FALSE(Listed(agg, 2));  // its growth or move made nothing resident
  agg.OnPagesDropped(B, 6 * P);  // they live at B now
  EXPECT_FALSE(Listed(agg, 1));
  ExpectConsistent(agg);
}

TEST(AggregatorPagesTest, BrkShrinkAndMapFixedReleasePages) {
  Aggregator agg = PagesAggregator();
  Touch(agg, 1, 0, 10);
  agg.OnBrk(3, A + 10 * P, A + 6 * P, false);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kPages], 6 * P);
  MapCall fixed = Anon(A, 2 * P);
  fixed.flags = kMapFixed;
  agg.OnMmap(3, fixed);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kPages], 4 * P);
  ExpectConsistent(agg);
}

TEST(AggregatorPagesTest, AFaultInAnEmptyHugeBlockFillsTheHugePage) {
  Aggregator agg = PagesAggregator();
  agg.OnPageFault(1, A + 5 * P, A, kHuge);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kPages], static_cast<int64_t>(kHuge));
  EXPECT_EQ(UsageOf(agg, 1).objects[kPages], 1);
  // Any later fault inside it finds the page resident.
  agg.OnPageFault(2, A + 300 * P, A, kHuge);
  EXPECT_FALSE(Listed(agg, 2));
  // A block that already holds small pages gets a small page.
  const uint64_t B = A + kHuge;
  agg.OnPageFault(3, B);
  agg.OnPageFault(3, B + 9 * P, B, kHuge);
  EXPECT_EQ(UsageOf(agg, 3).bytes[kPages], 2 * P);
  // Dropping part of a huge page splits it: the rest stays resident.
  agg.OnPagesDropped(A, 10 * P);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kPages], static_cast<int64_t>(kHuge) - 10 * P);
  ExpectConsistent(agg);
}

TEST(AggregatorPagesTest, LiveObjectsArePagesWithTheirFaultTime) {
  Aggregator agg = PagesAggregator();
  agg.SetTime(100);
  agg.OnPageFault(1, A);
  agg.SetTime(200);
  agg.OnPageFault(1, A + P);
  const std::vector<LiveObject> live = agg.LiveObjects();
  ASSERT_EQ(live.size(), 2u);
  for (const LiveObject& o : live) {
    EXPECT_EQ(o.kind, MemKind::kPages);
    EXPECT_EQ(o.bytes, kPage);
    EXPECT_EQ(o.time_ns, o.addr == A ? 100u : 200u);
  }
}

}  // namespace
}  // namespace allocprof
