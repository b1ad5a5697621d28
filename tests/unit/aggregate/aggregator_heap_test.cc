// Heap blocks (malloc family), totals and ByStack().
#include <utility>

#include "gtest/gtest.h"
#include "tests/unit/aggregate/aggregator_test_util.h"
#include "userspace/aggregate/aggregator.h"

namespace allocprof {
namespace {

constexpr uint64_t kHeapKind = 0;

TEST(AggregatorHeapTest, AllocAndFreeMoveOutstandingBytes) {
  Aggregator agg;
  agg.OnAlloc(1, 0x1000, 100);
  agg.OnAlloc(1, 0x2000, 20);
  agg.OnAlloc(2, 0x3000, 50);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kHeapKind], 120);
  EXPECT_EQ(UsageOf(agg, 1).objects[kHeapKind], 2);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kHeapKind], 50);

  agg.OnFree(0x1000);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kHeapKind], 20);
  EXPECT_EQ(UsageOf(agg, 1).objects[kHeapKind], 1);
  const Totals& t = agg.totals();
  EXPECT_EQ(t.alloc_bytes, 170u);
  EXPECT_EQ(t.alloc_objects, 3u);
  EXPECT_EQ(t.freed_bytes, 100u);
  EXPECT_EQ(t.freed_objects, 1u);
  EXPECT_EQ(t.outstanding.bytes[kHeapKind], 70);
  EXPECT_EQ(t.outstanding.objects[kHeapKind], 2);
  ExpectConsistent(agg);
}

TEST(AggregatorHeapTest, FailedAllocCountsAndAllocatesNothing) {
  Aggregator agg;
  agg.OnAlloc(1, 0, 1 << 30);
  EXPECT_EQ(agg.totals().failed_calls, 1u);
  EXPECT_EQ(agg.totals().alloc_bytes, 0u);
  EXPECT_EQ(agg.totals().alloc_objects, 0u);
  EXPECT_TRUE(agg.ByStack().empty());
}

TEST(AggregatorHeapTest, FreeOfNullIsANoOp) {
  Aggregator agg;
  agg.OnFree(0);
  EXPECT_EQ(agg.totals().unknown_frees, 0u);
  EXPECT_EQ(agg.totals().failed_calls, 0u);
}

TEST(AggregatorHeapTest, FreeOfUnknownBlockIsCountedNeverSubtracted) {
  Aggregator agg;
  agg.OnAlloc(1, 0x1000, 64);
  agg.OnFree(0x9000);
  agg.OnFree(0x1000);
  agg.OnFree(0x1000);  // second free of the same block: now unknown
  EXPECT_EQ(agg.totals().unknown_frees, 2u);
  EXPECT_EQ(agg.totals().freed_bytes, 64u);
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  EXPECT_EQ(agg.totals().outstanding.bytes[kHeapKind], 0);
  EXPECT_TRUE(agg.ByStack().empty());
  ExpectConsistent(agg);
}

TEST(AggregatorHeapTest, SecondAllocAtLivePointerReplacesTheOldBlock) {
  Aggregator agg;
  agg.OnAlloc(1, 0x1000, 100);
  agg.OnAlloc(2, 0x1000, 30);  // the free of the first block was lost
  EXPECT_FALSE(Listed(agg, 1));
  EXPECT_EQ(UsageOf(agg, 2).bytes[kHeapKind], 30);
  EXPECT_EQ(UsageOf(agg, 2).objects[kHeapKind], 1);
  EXPECT_EQ(agg.totals().alloc_bytes, 130u);
  EXPECT_EQ(agg.totals().freed_bytes, 100u);
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  EXPECT_EQ(agg.totals().outstanding.bytes[kHeapKind], 30);
  ExpectConsistent(agg);

  agg.OnFree(0x1000);
  EXPECT_TRUE(agg.ByStack().empty());
  EXPECT_EQ(agg.totals().unknown_frees, 0u);
  ExpectConsistent(agg);
}

TEST(AggregatorHeapTest, ReallocOfNullIsMalloc) {
  Aggregator agg;
  agg.OnRealloc(3, 0, 0x5000, 80);
  EXPECT_EQ(UsageOf(agg, 3).bytes[kHeapKind], 80);
  EXPECT_EQ(agg.totals().alloc_objects, 1u);
  EXPECT_EQ(agg.totals().unknown_frees, 0u);
  agg.OnRealloc(3, 0, 0, 80);  // realloc(NULL, 80) failed
  EXPECT_EQ(agg.totals().failed_calls, 1u);
  ExpectConsistent(agg);
}

TEST(AggregatorHeapTest, ReallocMovesTheBlockToTheReallocStack) {
  Aggregator agg;
  agg.OnAlloc(1, 0x1000, 100);
  agg.OnRealloc(2, 0x1000, 0x8000, 250);
  EXPECT_FALSE(Listed(agg, 1));
  EXPECT_EQ(UsageOf(agg, 2).bytes[kHeapKind], 250);
  EXPECT_EQ(agg.totals().alloc_bytes, 350u);
  EXPECT_EQ(agg.totals().freed_bytes, 100u);
  // The old address is free now.
  agg.OnFree(0x1000);
  EXPECT_EQ(agg.totals().unknown_frees, 1u);
  ExpectConsistent(agg);
}

TEST(AggregatorHeapTest, ReallocInPlaceResizes) {
  Aggregator agg;
  agg.OnAlloc(1, 0x1000, 100);
  agg.OnRealloc(1, 0x1000, 0x1000, 40);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kHeapKind], 40);
  EXPECT_EQ(UsageOf(agg, 1).objects[kHeapKind], 1);
  ExpectConsistent(agg);
}

TEST(AggregatorHeapTest, ReallocToZeroReturningNullFrees) {
  Aggregator agg;
  agg.OnAlloc(1, 0x1000, 100);
  agg.OnRealloc(2, 0x1000, 0, 0);
  EXPECT_TRUE(agg.ByStack().empty());
  EXPECT_EQ(agg.totals().freed_bytes, 100u);
  EXPECT_EQ(agg.totals().failed_calls, 0u);
  ExpectConsistent(agg);
}

TEST(AggregatorHeapTest, FailedReallocLeavesTheOldBlockLive) {
  Aggregator agg;
  agg.OnAlloc(1, 0x1000, 100);
  agg.OnRealloc(2, 0x1000, 0, 1 << 30);
  EXPECT_EQ(agg.totals().failed_calls, 1u);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kHeapKind], 100);
  EXPECT_FALSE(Listed(agg, 2));
  EXPECT_EQ(agg.totals().freed_bytes, 0u);
  agg.OnFree(0x1000);
  EXPECT_TRUE(agg.ByStack().empty());
  ExpectConsistent(agg);
}

TEST(AggregatorHeapTest, ReallocOfUnknownBlockCountsItAndAllocates) {
  Aggregator agg;
  agg.OnRealloc(2, 0x7000, 0x8000, 64);
  EXPECT_EQ(agg.totals().unknown_frees, 1u);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kHeapKind], 64);
  EXPECT_EQ(agg.totals().freed_bytes, 0u);
  ExpectConsistent(agg);
}

TEST(AggregatorHeapTest, ZeroSizeBlockIsALiveObject) {
  Aggregator agg;
  agg.OnAlloc(4, 0x1000, 0);
  ASSERT_TRUE(Listed(agg, 4));
  EXPECT_EQ(UsageOf(agg, 4).outstanding_bytes(), 0);
  EXPECT_EQ(UsageOf(agg, 4).outstanding_objects(), 1);
  agg.OnFree(0x1000);
  EXPECT_FALSE(Listed(agg, 4));
}

TEST(AggregatorHeapTest, ByStackOrdersByOutstandingThenStack) {
  Aggregator agg;
  agg.OnAlloc(5, 0x1000, 10);
  agg.OnAlloc(3, 0x2000, 30);
  agg.OnAlloc(9, 0x3000, 30);
  agg.OnAlloc(7, 0x4000, 30);
  agg.OnAlloc(1, 0x5000, 20);
  agg.OnAlloc(2, 0x6000, 99);
  agg.OnFree(0x6000);  // stack 2 back to zero: not listed
  std::vector<StackRef> order;
  for (const auto& entry : agg.ByStack()) order.push_back(entry.first);
  EXPECT_EQ(order, (std::vector<StackRef>{3, 7, 9, 1, 5}));
  ExpectConsistent(agg);
}

TEST(AggregatorHeapTest, TotalsOutstandingIsTheSumOfByStack) {
  Aggregator agg;
  for (uint64_t i = 1; i <= 200; ++i) {
    agg.OnAlloc(static_cast<StackRef>(i % 7), i * 0x100, i * 3);
  }
  for (uint64_t i = 1; i <= 200; i += 3) agg.OnFree(i * 0x100);
  int64_t sum = 0;
  for (const auto& [stack, usage] : agg.ByStack()) sum += usage.bytes[0];
  // sum of i*3 over i not in {1,4,7,...,199}
  int64_t expected = 0;
  for (int64_t i = 1; i <= 200; ++i) {
    if ((i - 1) % 3 != 0) expected += i * 3;
  }
  EXPECT_EQ(sum, expected);
  EXPECT_EQ(agg.totals().outstanding.bytes[0], expected);
  ExpectConsistent(agg);
}

}  // namespace
}  // namespace allocprof

namespace allocprof {
namespace {

TEST(AggregatorAllocatedTest, StacksKeepWhatTheyAllocatedAfterFreeing) {
  Aggregator agg;
  agg.OnAlloc(1, 0x1000, 100);
  agg.OnAlloc(1, 0x2000, 50);
  agg.OnFree(0x1000);
  agg.OnAlloc(2, 0x3000, 10);
  agg.OnFree(0x3000);
  MapCall map;
  map.addr = 0x7f0000000000;
  map.len = 4096;
  map.prot = 3;
  agg.OnMmap(3, map);
  MapCall backing = map;
  backing.addr = 0x7f1000000000;
  backing.in_allocator = true;
  agg.OnMmap(1, backing);  // backing store: not an allocation of stack 1

  const auto& allocated = agg.allocated_by_stack();
  ASSERT_EQ(allocated.size(), 3u);
  EXPECT_EQ(allocated.at(1).bytes, 150);
  EXPECT_EQ(allocated.at(1).objects, 2);
  EXPECT_EQ(allocated.at(2).bytes, 10);
  EXPECT_EQ(allocated.at(2).objects, 1);
  EXPECT_EQ(allocated.at(3).bytes, 4096);
  EXPECT_EQ(allocated.at(3).objects, 1);
  // ByStack lists holders only: stack 2 freed everything.
  for (const auto& [stack, usage] : agg.ByStack()) EXPECT_NE(stack, 2u);
}

}  // namespace
}  // namespace allocprof
