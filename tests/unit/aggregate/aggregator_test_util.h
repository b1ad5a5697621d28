// Helpers shared by the aggregator tests.
#ifndef ALLOCPROF_TESTS_UNIT_AGGREGATE_AGGREGATOR_TEST_UTIL_H_
#define ALLOCPROF_TESTS_UNIT_AGGREGATE_AGGREGATOR_TEST_UTIL_H_

#include <cstdint>

#include "gtest/gtest.h"
#include "userspace/aggregate/aggregator.h"

namespace allocprof {

inline constexpr uint64_t kPage = 4096;
inline constexpr uint32_t kProtNone = 0;
inline constexpr uint32_t kProtRW = 3;  // PROT_READ | PROT_WRITE
inline constexpr uint32_t kMapFixed = 0x10;
inline constexpr uint32_t kMremapMayMove = 1;
inline constexpr uint32_t kMremapFixed = 2;
inline constexpr uint32_t kMremapDontUnmap = 4;

inline int K(MemKind kind) { return static_cast<int>(kind); }

// The Usage ByStack() reports for `stack`, all zero if it is not listed.
inline Usage UsageOf(const Aggregator& agg, StackRef stack) {
  for (const auto& [s, usage] : agg.ByStack()) {
    if (s == stack) return usage;
  }
  return Usage{};
}

inline bool Listed(const Aggregator& agg, StackRef stack) {
  for (const auto& entry : agg.ByStack()) {
    if (entry.first == stack) return true;
  }
  return false;
}

inline MapCall Anon(uint64_t addr, uint64_t len, uint32_t prot = kProtRW) {
  MapCall call;
  call.addr = addr;
  call.len = len;
  call.prot = prot;
  return call;
}

inline MapCall File(uint64_t addr, uint64_t len) {
  MapCall call = Anon(addr, len);
  call.file_backed = true;
  return call;
}

inline MapCall InAllocator(MapCall call) {
  call.in_allocator = true;
  return call;
}

// What must hold after any sequence of events: the totals are the sum of the
// per-stack figures, nothing is negative, everything allocated is either
// outstanding or freed, and ByStack() is in its documented order.
inline void ExpectConsistent(const Aggregator& agg) {
  const auto by_stack = agg.ByStack();
  Usage sum;
  for (size_t i = 0; i < by_stack.size(); ++i) {
    const auto& [stack, u] = by_stack[i];
    for (int k = 0; k < kMemKinds; ++k) {
      EXPECT_GE(u.bytes[k], 0) << "stack " << stack << " kind " << k;
      EXPECT_GE(u.objects[k], 0) << "stack " << stack << " kind " << k;
      sum.bytes[k] += u.bytes[k];
      sum.objects[k] += u.objects[k];
    }
    EXPECT_GE(u.reserved_bytes, 0) << "stack " << stack;
    EXPECT_GE(u.backing_bytes, 0) << "stack " << stack;
    sum.reserved_bytes += u.reserved_bytes;
    sum.backing_bytes += u.backing_bytes;
    if (i > 0) {
      const auto& [prev_stack, prev] = by_stack[i - 1];
      const bool ordered =
          prev.outstanding_bytes() > u.outstanding_bytes() ||
          (prev.outstanding_bytes() == u.outstanding_bytes() &&
           prev_stack < stack);
      EXPECT_TRUE(ordered) << "ByStack out of order at " << i;
    }
  }
  const Totals& t = agg.totals();
  for (int k = 0; k < kMemKinds; ++k) {
    EXPECT_EQ(t.outstanding.bytes[k], sum.bytes[k]) << "kind " << k;
    EXPECT_EQ(t.outstanding.objects[k], sum.objects[k]) << "kind " << k;
  }
  EXPECT_EQ(t.outstanding.reserved_bytes, sum.reserved_bytes);
  EXPECT_EQ(t.outstanding.backing_bytes, sum.backing_bytes);
  EXPECT_EQ(t.alloc_bytes - t.freed_bytes,
            static_cast<uint64_t>(t.outstanding.outstanding_bytes()));
  EXPECT_EQ(t.alloc_objects - t.freed_objects,
            static_cast<uint64_t>(t.outstanding.outstanding_objects()));
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_AGGREGATE_AGGREGATOR_TEST_UTIL_H_
