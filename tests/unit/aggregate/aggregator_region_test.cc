// Address-space regions: mmap family, brk, reservations and allocator
// backing store.
#include "gtest/gtest.h"
#include "tests/unit/aggregate/aggregator_test_util.h"
#include "userspace/aggregate/aggregator.h"

namespace allocprof {
namespace {

constexpr uint64_t A = 0x7f0000000000;  // page aligned, far from each other
constexpr uint64_t B = 0x7f0000100000;
constexpr int64_t P = kPage;
constexpr int kAnon = static_cast<int>(MemKind::kAnonMmap);
constexpr int kFile = static_cast<int>(MemKind::kFileMmap);
constexpr int kBrk = static_cast<int>(MemKind::kBrk);
constexpr int kHeap = static_cast<int>(MemKind::kHeap);

// --- mmap / munmap -------------------------------------------------------------

TEST(AggregatorMmapTest, MmapRoundsToPagesAndCountsByKind) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 5000));
  agg.OnMmap(1, File(B, 4096));
  const Usage u = UsageOf(agg, 1);
  EXPECT_EQ(u.bytes[kAnon], 2 * P);
  EXPECT_EQ(u.bytes[kFile], P);
  EXPECT_EQ(u.objects[kAnon], 1);
  EXPECT_EQ(u.objects[kFile], 1);
  EXPECT_EQ(agg.totals().alloc_bytes, 3u * P);
  EXPECT_EQ(agg.totals().alloc_objects, 2u);
  ExpectConsistent(agg);
}

TEST(AggregatorMmapTest, PageSizeComesFromTheConstructor) {
  Aggregator agg(16384);
  agg.OnMmap(1, Anon(A, 5000));
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 16384);
}

TEST(AggregatorMmapTest, FailedMmapIsAFailedCallOfTheProgramOnly) {
  Aggregator agg;
  agg.OnMmap(1, Anon(~uint64_t{0}, P));        // MAP_FAILED
  agg.OnMmap(1, Anon(~uint64_t{0} - 11, P));   // raw -ENOMEM
  agg.OnMmap(1, InAllocator(Anon(~uint64_t{0}, P)));
  EXPECT_EQ(agg.totals().failed_calls, 2u);
  EXPECT_TRUE(agg.ByStack().empty());
  EXPECT_EQ(agg.totals().alloc_bytes, 0u);
}

TEST(AggregatorMmapTest, MunmapOfTheHeadMiddleAndTailSplitsOneObject) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 10 * P));
  agg.OnMunmap(A, 2 * P);  // head
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 8 * P);
  EXPECT_EQ(UsageOf(agg, 1).objects[kAnon], 1);
  agg.OnMunmap(A + 8 * P, 2 * P);  // tail
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 6 * P);
  agg.OnMunmap(A + 4 * P, P + 1);  // middle, length rounds up to 2 pages
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 4 * P);
  // Still one object, in two pieces: [2,4) and [6,8).
  EXPECT_EQ(UsageOf(agg, 1).objects[kAnon], 1);
  EXPECT_EQ(agg.totals().freed_objects, 0u);
  EXPECT_EQ(agg.totals().freed_bytes, 6u * P);

  agg.OnMunmap(A + 2 * P, 2 * P);
  EXPECT_EQ(UsageOf(agg, 1).objects[kAnon], 1);
  EXPECT_EQ(agg.totals().freed_objects, 0u);
  agg.OnMunmap(A + 6 * P, 2 * P);  // the last byte goes: the object goes
  EXPECT_FALSE(Listed(agg, 1));
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  EXPECT_EQ(agg.totals().freed_bytes, 10u * P);
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 0u);
  ExpectConsistent(agg);
}

TEST(AggregatorMmapTest, MunmapAcrossTwoRegionsAndAGap) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 4 * P));          // [0,4)
  agg.OnMmap(2, File(A + 6 * P, 4 * P));  // [6,10); [4,6) is unknown
  agg.OnMunmap(A + 2 * P, 6 * P);         // [2,8)
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 2 * P);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kFile], 2 * P);
  EXPECT_EQ(UsageOf(agg, 1).objects[kAnon], 1);
  EXPECT_EQ(UsageOf(agg, 2).objects[kFile], 1);
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 2u * P);
  EXPECT_EQ(agg.totals().freed_bytes, 4u * P);
  EXPECT_EQ(agg.totals().freed_objects, 0u);
  ExpectConsistent(agg);
}

TEST(AggregatorMmapTest, MunmapOfUnknownRangeIsCountedNeverSubtracted) {
  Aggregator agg;
  agg.OnMunmap(A, 3 * P);
  agg.OnMunmap(A, 0);  // the kernel rejects it: nothing happened
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 3u * P);
  EXPECT_EQ(agg.totals().freed_bytes, 0u);
  EXPECT_TRUE(agg.ByStack().empty());
  ExpectConsistent(agg);
}

TEST(AggregatorMmapTest, MapFixedOverTwoRegionsReplacesTheOverlap) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 4 * P));          // [0,4)
  agg.OnMmap(2, Anon(A + 4 * P, 4 * P));  // [4,8)
  MapCall fixed = File(A + 2 * P, 4 * P);  // [2,6)
  fixed.flags = kMapFixed;
  agg.OnMmap(3, fixed);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 2 * P);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kAnon], 2 * P);
  EXPECT_EQ(UsageOf(agg, 3).bytes[kFile], 4 * P);
  EXPECT_EQ(agg.totals().freed_bytes, 4u * P);
  EXPECT_EQ(agg.totals().outstanding.outstanding_objects(), 3);
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 0u);

  // Covering what is left of stack 1 frees its object.
  agg.OnMmap(3, Anon(A, 2 * P));
  EXPECT_FALSE(Listed(agg, 1));
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  EXPECT_EQ(UsageOf(agg, 3).objects[kAnon], 1);
  EXPECT_EQ(UsageOf(agg, 3).objects[kFile], 1);
  ExpectConsistent(agg);
}

TEST(AggregatorMmapTest, ProtNoneMmapIsAReservationOnly) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 16 * P, kProtNone));
  const Usage u = UsageOf(agg, 1);
  EXPECT_TRUE(Listed(agg, 1));
  EXPECT_EQ(u.reserved_bytes, 16 * P);
  EXPECT_EQ(u.outstanding_bytes(), 0);
  EXPECT_EQ(u.outstanding_objects(), 0);
  EXPECT_EQ(agg.totals().alloc_bytes, 0u);
  EXPECT_EQ(agg.totals().alloc_objects, 0u);
  agg.OnMunmap(A, 16 * P);
  EXPECT_FALSE(Listed(agg, 1));
  EXPECT_EQ(agg.totals().freed_bytes, 0u);
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 0u);
  ExpectConsistent(agg);
}

// --- mremap ------------------------------------------------------------------

TEST(AggregatorMremapTest, GrowInPlaceGivesTheGrowthToTheMremapStack) {
  Aggregator agg;
  agg.OnMmap(1, File(A, 2 * P));
  agg.OnMremap(2, A, 2 * P, A, 5 * P, 0, false);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kFile], 2 * P);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kFile], 3 * P);  // kind of the grown region
  EXPECT_EQ(UsageOf(agg, 1).objects[kFile], 1);
  EXPECT_EQ(UsageOf(agg, 2).objects[kFile], 1);
  EXPECT_EQ(agg.totals().alloc_bytes, 5u * P);
  EXPECT_EQ(agg.totals().alloc_objects, 2u);
  agg.OnMunmap(A, 5 * P);
  EXPECT_TRUE(agg.ByStack().empty());
  EXPECT_EQ(agg.totals().freed_objects, 2u);
  ExpectConsistent(agg);
}

TEST(AggregatorMremapTest, GrowWithMoveKeepsOwnersAndFreesTheOldRange) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, P));
  agg.OnMmap(3, Anon(A + P, P));  // two owners in the moved range
  agg.OnMremap(2, A, 2 * P, B, 4 * P, kMremapMayMove, false);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], P);
  EXPECT_EQ(UsageOf(agg, 3).bytes[kAnon], P);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kAnon], 2 * P);
  EXPECT_EQ(agg.totals().freed_bytes, 0u);
  EXPECT_EQ(agg.totals().alloc_bytes, 4u * P);

  // Nothing is left at the old address.
  agg.OnMunmap(A, 2 * P);
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 2u * P);
  EXPECT_EQ(agg.totals().outstanding.outstanding_bytes(), 4 * P);
  // The owners moved with their bytes: [B, B+P) is stack 1's object.
  agg.OnMunmap(B, P);
  EXPECT_FALSE(Listed(agg, 1));
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  EXPECT_EQ(UsageOf(agg, 3).bytes[kAnon], P);
  ExpectConsistent(agg);
}

TEST(AggregatorMremapTest, MoveOntoExistingRegionsReplacesThem) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 2 * P));
  agg.OnMmap(4, File(B, 8 * P));
  agg.OnMremap(1, A, 2 * P, B + 2 * P, 2 * P, kMremapMayMove | kMremapFixed,
               false);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 2 * P);
  EXPECT_EQ(UsageOf(agg, 4).bytes[kFile], 6 * P);
  EXPECT_EQ(agg.totals().freed_bytes, 2u * P);
  ExpectConsistent(agg);
}

TEST(AggregatorMremapTest, ShrinkReleasesTheCutTail) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 4 * P));
  agg.OnMremap(2, A, 4 * P, A, P, 0, false);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], P);
  EXPECT_EQ(UsageOf(agg, 1).objects[kAnon], 1);
  EXPECT_FALSE(Listed(agg, 2));
  EXPECT_EQ(agg.totals().freed_bytes, 3u * P);
  EXPECT_EQ(agg.totals().freed_objects, 0u);
  ExpectConsistent(agg);
}

TEST(AggregatorMremapTest, ShrinkWithMove) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 4 * P));
  agg.OnMremap(2, A, 4 * P, B, 3 * P, kMremapMayMove, false);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 3 * P);
  EXPECT_EQ(agg.totals().freed_bytes, P);
  agg.OnMunmap(A, 4 * P);
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 4u * P);
  agg.OnMunmap(B, 3 * P);
  EXPECT_TRUE(agg.ByStack().empty());
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  ExpectConsistent(agg);
}

TEST(AggregatorMremapTest, DontUnmapLeavesTheOldRangeAndKeepsOneObject) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 2 * P));
  agg.OnMremap(2, A, 2 * P, B, 2 * P, kMremapMayMove | kMremapDontUnmap,
               false);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 4 * P);
  EXPECT_EQ(UsageOf(agg, 1).objects[kAnon], 1);
  EXPECT_FALSE(Listed(agg, 2));
  EXPECT_EQ(agg.totals().alloc_bytes, 4u * P);
  EXPECT_EQ(agg.totals().alloc_objects, 1u);

  agg.OnMunmap(A, 2 * P);  // the old range was still ours
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 0u);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 2 * P);
  EXPECT_EQ(UsageOf(agg, 1).objects[kAnon], 1);
  agg.OnMunmap(B, 2 * P);
  EXPECT_TRUE(agg.ByStack().empty());
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  ExpectConsistent(agg);
}

TEST(AggregatorMremapTest, GrowthOfUnknownRangeIsAnonymousMemory) {
  Aggregator agg;
  agg.OnMremap(2, A, 2 * P, B, 3 * P, kMremapMayMove, false);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kAnon], P);
  EXPECT_EQ(UsageOf(agg, 2).objects[kAnon], 1);
  // The moved part was never known, and is not known at its new place.
  agg.OnMunmap(B, 3 * P);
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 2u * P);
  ExpectConsistent(agg);
}

TEST(AggregatorMremapTest, GrowthOfAllocatorRegionIsBacking) {
  Aggregator agg;
  // glibc serving a big malloc with mmap, then realloc growing it in place.
  agg.OnMmap(1, InAllocator(Anon(A, 33 * P)));
  agg.OnAlloc(1, A + 16, 32 * P);
  agg.OnMremap(2, A, 33 * P, A, 65 * P, kMremapMayMove, true);
  agg.OnRealloc(2, A + 16, A + 16, 64 * P);
  EXPECT_EQ(UsageOf(agg, 1).backing_bytes, 33 * P);
  EXPECT_EQ(UsageOf(agg, 1).outstanding_bytes(), 0);
  EXPECT_EQ(UsageOf(agg, 2).backing_bytes, 32 * P);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kHeap], 64 * P);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kAnon], 0);
  EXPECT_EQ(agg.totals().alloc_bytes, 32u * P + 64u * P);
  ExpectConsistent(agg);
}

TEST(AggregatorMremapTest, GrowthOfReservationIsReserved) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 2 * P, kProtNone));
  agg.OnMremap(2, A, 2 * P, A, 3 * P, 0, false);
  EXPECT_EQ(UsageOf(agg, 2).reserved_bytes, P);
  EXPECT_EQ(UsageOf(agg, 2).outstanding_bytes(), 0);
  EXPECT_EQ(agg.totals().alloc_objects, 0u);
  ExpectConsistent(agg);
}

TEST(AggregatorMremapTest, FailedMremapChangesNothing) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 2 * P));
  agg.OnMremap(2, A, 2 * P, ~uint64_t{0}, 8 * P, kMremapMayMove, false);
  EXPECT_EQ(agg.totals().failed_calls, 1u);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 2 * P);
  EXPECT_FALSE(Listed(agg, 2));
}

// --- mprotect ------------------------------------------------------------------

TEST(AggregatorMprotectTest, PartialCommitOfReservationAndBackToProtNone) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 16 * P, kProtNone));
  agg.OnMprotect(2, A + 4 * P, 4 * P, kProtRW, false);  // commit [4,8)
  EXPECT_EQ(UsageOf(agg, 1).reserved_bytes, 12 * P);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kAnon], 4 * P);
  EXPECT_EQ(UsageOf(agg, 2).objects[kAnon], 1);
  EXPECT_EQ(UsageOf(agg, 2).reserved_bytes, 0);
  EXPECT_EQ(agg.totals().alloc_bytes, 4u * P);
  EXPECT_EQ(agg.totals().alloc_objects, 1u);
  ExpectConsistent(agg);

  // Half of it back to PROT_NONE: a reservation of its owner again.
  agg.OnMprotect(3, A + 4 * P, 2 * P, kProtNone, false);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kAnon], 2 * P);
  EXPECT_EQ(UsageOf(agg, 2).reserved_bytes, 2 * P);
  EXPECT_EQ(UsageOf(agg, 2).objects[kAnon], 1);
  EXPECT_FALSE(Listed(agg, 3));
  EXPECT_EQ(agg.totals().freed_bytes, 2u * P);
  EXPECT_EQ(agg.totals().freed_objects, 0u);
  agg.OnMprotect(3, A + 6 * P, 2 * P, kProtNone, false);
  EXPECT_EQ(UsageOf(agg, 2).outstanding_bytes(), 0);
  EXPECT_EQ(UsageOf(agg, 2).outstanding_objects(), 0);
  EXPECT_EQ(UsageOf(agg, 2).reserved_bytes, 4 * P);
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  EXPECT_EQ(agg.totals().outstanding.reserved_bytes, 16 * P);
  ExpectConsistent(agg);

  agg.OnMunmap(A, 16 * P);
  EXPECT_TRUE(agg.ByStack().empty());
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 0u);
  ExpectConsistent(agg);
}

TEST(AggregatorMprotectTest, RecommitIsANewObject) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 4 * P));
  agg.OnMprotect(1, A, 2 * P, kProtNone, false);
  agg.OnMprotect(2, A, 4 * P, kProtRW, false);  // only [0,2) was reserved
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 2 * P);
  EXPECT_EQ(UsageOf(agg, 1).reserved_bytes, 0);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kAnon], 2 * P);
  EXPECT_EQ(UsageOf(agg, 1).objects[kAnon], 1);
  EXPECT_EQ(UsageOf(agg, 2).objects[kAnon], 1);
  EXPECT_EQ(agg.totals().alloc_bytes, 6u * P);
  EXPECT_EQ(agg.totals().freed_bytes, 2u * P);
  ExpectConsistent(agg);
}

TEST(AggregatorMprotectTest, OneCommitCallIsOneObjectAcrossPieces) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 2 * P, kProtNone));
  agg.OnMmap(3, Anon(A + 2 * P, 2 * P, kProtNone));
  agg.OnMprotect(2, A, 4 * P, kProtRW, false);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kAnon], 4 * P);
  EXPECT_EQ(UsageOf(agg, 2).objects[kAnon], 1);
  EXPECT_FALSE(Listed(agg, 1));
  EXPECT_FALSE(Listed(agg, 3));
  agg.OnMunmap(A, 3 * P);
  EXPECT_EQ(UsageOf(agg, 2).objects[kAnon], 1);
  agg.OnMunmap(A + 3 * P, P);
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  ExpectConsistent(agg);
}

TEST(AggregatorMprotectTest, AccessibleToAccessibleAndUnknownRangesChangeNothing) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, 2 * P));
  agg.OnMprotect(2, A, 2 * P, 1 /* PROT_READ */, false);
  agg.OnMprotect(2, B, 2 * P, kProtRW, false);
  agg.OnMprotect(2, B, 2 * P, kProtNone, false);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kAnon], 2 * P);
  EXPECT_FALSE(Listed(agg, 2));
  EXPECT_EQ(agg.totals().alloc_bytes, 2u * P);
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 0u);
  ExpectConsistent(agg);
}

// --- Allocator backing store ----------------------------------------------------

TEST(AggregatorBackingTest, AllocatorMmapIsNotCountedTwice) {
  constexpr uint64_t kMiB = 1 << 20;
  Aggregator agg;
  // malloc(16 MiB): glibc maps 16 MiB plus a header page inside the call.
  agg.OnMmap(1, InAllocator(Anon(A, 16 * kMiB + 4096)));
  agg.OnAlloc(1, A + 16, 16 * kMiB);
  const Usage u = UsageOf(agg, 1);
  EXPECT_EQ(u.bytes[kHeap], static_cast<int64_t>(16 * kMiB));
  EXPECT_EQ(u.outstanding_bytes(), static_cast<int64_t>(16 * kMiB));
  EXPECT_EQ(u.outstanding_objects(), 1);
  EXPECT_EQ(u.backing_bytes, static_cast<int64_t>(16 * kMiB + 4096));
  EXPECT_EQ(agg.totals().alloc_bytes, 16 * kMiB);
  EXPECT_EQ(agg.totals().alloc_objects, 1u);
  ExpectConsistent(agg);

  agg.OnFree(A + 16);
  agg.OnMunmap(A, 16 * kMiB + 4096);
  EXPECT_TRUE(agg.ByStack().empty());
  EXPECT_EQ(agg.totals().freed_bytes, 16 * kMiB);
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  ExpectConsistent(agg);
}

TEST(AggregatorBackingTest, ThreadArenaReservationCommittedInsideMalloc) {
  constexpr uint64_t kArena = 64 << 20;
  Aggregator agg;
  agg.OnMmap(1, InAllocator(Anon(A, kArena, kProtNone)));
  EXPECT_EQ(UsageOf(agg, 1).reserved_bytes, static_cast<int64_t>(kArena));
  agg.OnMprotect(1, A, 132 * 1024, kProtRW, true);
  agg.OnAlloc(1, A + 0x8a0, 1000);
  agg.OnMprotect(2, A + 132 * 1024, 3 * P, kProtRW, true);  // heap grows
  agg.OnAlloc(2, A + 132 * 1024, 10000);

  const Usage u1 = UsageOf(agg, 1);
  EXPECT_EQ(u1.backing_bytes, 132 * 1024);
  EXPECT_EQ(u1.reserved_bytes,
            static_cast<int64_t>(kArena) - 132 * 1024 - 3 * P);
  EXPECT_EQ(u1.outstanding_bytes(), 1000);
  const Usage u2 = UsageOf(agg, 2);
  EXPECT_EQ(u2.backing_bytes, 3 * P);
  EXPECT_EQ(u2.outstanding_bytes(), 10000);
  EXPECT_EQ(agg.totals().alloc_bytes, 11000u);
  EXPECT_EQ(agg.totals().alloc_objects, 2u);

  // The allocator trims its heap: backing becomes reservation again.
  agg.OnMprotect(2, A + 132 * 1024, 3 * P, kProtNone, true);
  EXPECT_EQ(UsageOf(agg, 2).backing_bytes, 0);
  EXPECT_EQ(UsageOf(agg, 2).reserved_bytes, 3 * P);
  EXPECT_EQ(agg.totals().freed_bytes, 0u);
  // Committed again, by the program this time: still the allocator's store.
  agg.OnMprotect(3, A + 132 * 1024, P, kProtRW, false);
  EXPECT_EQ(UsageOf(agg, 3).backing_bytes, P);
  EXPECT_EQ(UsageOf(agg, 3).outstanding_bytes(), 0);
  ExpectConsistent(agg);
}

// --- brk -------------------------------------------------------------------------

TEST(AggregatorBrkTest, GrowAndShrinkTrackExactBytes) {
  constexpr uint64_t kBase = 0x555555559000;
  Aggregator agg;
  agg.OnBrk(1, kBase, kBase + 1000, false);
  agg.OnBrk(2, kBase + 1000, kBase + 1500, false);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kBrk], 1000);
  EXPECT_EQ(UsageOf(agg, 2).bytes[kBrk], 500);
  EXPECT_EQ(agg.totals().alloc_objects, 2u);
  agg.OnBrk(3, kBase + 1500, kBase + 1500, false);  // query
  EXPECT_FALSE(Listed(agg, 3));

  agg.OnBrk(3, kBase + 1500, kBase + 800, false);
  EXPECT_FALSE(Listed(agg, 2));
  EXPECT_EQ(UsageOf(agg, 1).bytes[kBrk], 800);
  EXPECT_EQ(UsageOf(agg, 1).objects[kBrk], 1);
  EXPECT_EQ(agg.totals().freed_bytes, 700u);
  EXPECT_EQ(agg.totals().freed_objects, 1u);
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 0u);
  ExpectConsistent(agg);
}

TEST(AggregatorBrkTest, ShrinkBelowTheSessionsStartIsUnknown) {
  constexpr uint64_t kBase = 0x555555559000;
  Aggregator agg;
  agg.OnBrk(1, kBase, kBase + 100, false);
  agg.OnBrk(1, kBase + 100, kBase - 50, false);
  EXPECT_FALSE(Listed(agg, 1));
  EXPECT_EQ(agg.totals().unknown_unmapped_bytes, 50u);
  EXPECT_EQ(agg.totals().freed_bytes, 100u);
  ExpectConsistent(agg);
}

TEST(AggregatorBrkTest, AllocatorBrkIsBacking) {
  constexpr uint64_t kBase = 0x555555559000;
  Aggregator agg;
  agg.OnBrk(1, kBase, kBase + 0x21000, true);  // malloc growing main arena
  agg.OnAlloc(1, kBase + 0x10, 100);
  EXPECT_EQ(UsageOf(agg, 1).backing_bytes, 0x21000);
  EXPECT_EQ(UsageOf(agg, 1).bytes[kBrk], 0);
  EXPECT_EQ(UsageOf(agg, 1).outstanding_bytes(), 100);
  EXPECT_EQ(agg.totals().alloc_bytes, 100u);
  agg.OnBrk(1, kBase + 0x21000, kBase + 0x20000, true);  // trim
  EXPECT_EQ(UsageOf(agg, 1).backing_bytes, 0x20000);
  EXPECT_EQ(agg.totals().freed_bytes, 0u);
  ExpectConsistent(agg);
}

// --- Mixed -------------------------------------------------------------------------

TEST(AggregatorRegionTest, StacksWithOnlyReservationsOrBackingAreListed) {
  Aggregator agg;
  agg.OnMmap(1, Anon(A, P, kProtNone));
  agg.OnMmap(2, InAllocator(Anon(B, P)));
  agg.OnAlloc(3, 0x1000, 10);
  const auto by_stack = agg.ByStack();
  ASSERT_EQ(by_stack.size(), 3u);
  EXPECT_EQ(by_stack[0].first, 3u);  // 10 outstanding bytes
  EXPECT_EQ(by_stack[1].first, 1u);  // ties at 0: stack order
  EXPECT_EQ(by_stack[2].first, 2u);
  ExpectConsistent(agg);
}

}  // namespace
}  // namespace allocprof
