#include "userspace/events/event_sink.h"

#include <sys/mman.h>

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/events/test_records.h"

namespace allocprof {
namespace {

constexpr uint32_t kProtRW = PROT_READ | PROT_WRITE;

class EventSinkTest : public ::testing::Test {
 protected:
  Aggregator aggregator;
  StackTable stacks;
  EventSink sink{aggregator, stacks};
};

TEST_F(EventSinkTest, AllocAndFree) {
  sink.Handle(AllocRecord(0x1000, 100));
  sink.Handle(AllocRecord(0x2000, 50));
  sink.Handle(FreeRecord(0x1000));
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 50);
  EXPECT_EQ(sink.handled(), 3u);
}

// BPF reads the clock for a CPU's first record in a tick and leaves the
// others at 0 (and every free record): such a record has the time of the
// record before it.
TEST_F(EventSinkTest, UntimedRecordsTakeTheTimeOfTheRecordBefore) {
  ap_alloc_record first = AllocRecord(0x1000, 100);
  first.hdr.ts_ns = 5000;
  sink.Handle(first);
  sink.Handle(AllocRecord(0x2000, 50));  // same tick: no time of its own
  sink.Handle(FreeRecord(0x1000));
  sink.Handle(AllocRecord(0x3000, 10));
  ap_alloc_record later = AllocRecord(0x4000, 20);
  later.hdr.ts_ns = 9000;
  sink.Handle(later);

  std::vector<uint64_t> times(5, 0);
  for (const LiveObject& o : aggregator.LiveObjects()) times[o.addr >> 12] = o.time_ns;
  EXPECT_EQ(times[2], 5000u);
  EXPECT_EQ(times[3], 5000u);
  EXPECT_EQ(times[4], 9000u);
}

// After an exec the old program's memory is gone, and the records that
// follow belong to a program whose objects are not known yet: the sink
// asks its reader to pause there.
TEST_F(EventSinkTest, ExecDropsTheOldProgramAndAsksForAPause) {
  EXPECT_FALSE(sink.Handle(AllocRecord(0x1000, 100)));
  EXPECT_FALSE(sink.Handle(MmapRecord(0x7000000, 8192, kProtRW)));
  ASSERT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 100 + 8192);
  EXPECT_TRUE(sink.Handle(ExecRecord()));
  EXPECT_TRUE(sink.TakeNewCode());
  const Totals& t = aggregator.totals();
  EXPECT_EQ(t.outstanding.outstanding_bytes(), 0);
  EXPECT_EQ(t.alloc_bytes, 0u) << "the figures are the new program's";
  EXPECT_EQ(t.execs, 1u);
  EXPECT_EQ(t.exec_dropped_bytes, 100 + 8192);
  EXPECT_EQ(t.exec_dropped_objects, 2);
  // The new program's blocks, at the old addresses too, are its own; a
  // free of an old block is one of a block from before the session.
  EXPECT_FALSE(sink.Handle(AllocRecord(0x1000, 40)));
  EXPECT_FALSE(sink.Handle(FreeRecord(0x2000)));
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 40);
  EXPECT_EQ(aggregator.totals().unknown_frees, 1u);
  EXPECT_EQ(aggregator.totals().exec_dropped_bytes, 100 + 8192);
}

TEST_F(EventSinkTest, ReallocReleasesTheOldBlockForTheNew) {
  sink.Handle(AllocRecord(0x1000, 100));
  sink.Handle(ReallocRecord(/*old_block=*/0x1000, /*new_block=*/0x3000, 300));
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 300);
  EXPECT_EQ(aggregator.totals().freed_bytes, 100u);
}

TEST_F(EventSinkTest, CallerIsPartOfTheStackIdentity) {
  ap_alloc_record a = AllocRecord(0x1000, 10, /*stack_id=*/5);
  a.caller = 0x401000;
  a.hdr.flags = AP_F_HAS_CALLER;
  ap_alloc_record b = a;
  b.block = 0x2000;
  b.caller = 0x402000;
  sink.Handle(a);
  sink.Handle(b);
  EXPECT_EQ(stacks.size(), 2u);
  EXPECT_EQ(aggregator.ByStack().size(), 2u);
}

// A stack walked with CFI already has the caller as frame 1: the caller BPF
// read at [sp] is not part of its identity, so it is never spliced in again.
TEST_F(EventSinkTest, UnwoundStacksCarryNoSplicedCaller) {
  ap_alloc_record a = AllocRecord(0x1000, 10, /*stack_id=*/5);
  a.caller = 0x401000;
  a.hdr.flags = AP_F_HAS_CALLER | AP_F_UNWOUND;
  ap_alloc_record b = a;
  b.block = 0x2000;
  b.caller = 0x402000;
  sink.Handle(a);
  sink.Handle(b);
  ASSERT_EQ(stacks.size(), 1u) << "one walked stack, whatever [sp] held";
  EXPECT_TRUE(stacks.origin(0).unwound);
  EXPECT_EQ(stacks.origin(0).caller, 0u);
  EXPECT_EQ(stacks.origin(0).stack_id, 5);
  // The same id from the kernel's stack map is another stack.
  ap_alloc_record fp = a;
  fp.hdr.flags = AP_F_HAS_CALLER;
  fp.block = 0x3000;
  sink.Handle(fp);
  EXPECT_EQ(stacks.size(), 2u);
}

// A walked stack that could not be kept keeps the caller BPF read.
TEST_F(EventSinkTest, LostUnwoundStackKeepsItsCaller) {
  ap_alloc_record a = AllocRecord(0x1000, 10, /*stack_id=*/-17);
  a.caller = 0x401000;
  a.hdr.flags = AP_F_HAS_CALLER | AP_F_UNWOUND;
  sink.Handle(a);
  EXPECT_EQ(stacks.origin(0).caller, 0x401000u);
}

TEST_F(EventSinkTest, CallerWithoutFlagIsIgnored) {
  ap_alloc_record a = AllocRecord(0x1000, 10, 5);
  a.caller = 0xdead;  // not validated by BPF
  sink.Handle(a);
  EXPECT_EQ(stacks.origin(0).caller, 0u);
}

TEST_F(EventSinkTest, MmapFlagsReachTheAggregator) {
  ap_mmap_record m = MmapRecord(0x7f0000000000, 1 << 20, kProtRW);
  m.hdr.flags = AP_F_FILE_BACKED;
  sink.Handle(m);
  ap_mmap_record backing = MmapRecord(0x7f1000000000, 1 << 20, kProtRW);
  backing.hdr.flags = AP_F_IN_ALLOCATOR;
  sink.Handle(backing);
  const Usage& o = aggregator.totals().outstanding;
  EXPECT_EQ(o.bytes[static_cast<int>(MemKind::kFileMmap)], 1 << 20);
  EXPECT_EQ(o.bytes[static_cast<int>(MemKind::kAnonMmap)], 0);
  EXPECT_EQ(o.backing_bytes, 1 << 20);
  EXPECT_FALSE(sink.TakeNewCode());
}

TEST_F(EventSinkTest, ExecutableFileMappingMeansNewCode) {
  ap_mmap_record m = MmapRecord(0x7f0000000000, 4096, PROT_READ | PROT_EXEC);
  m.hdr.flags = AP_F_FILE_BACKED;
  sink.Handle(m);
  EXPECT_TRUE(sink.TakeNewCode());
  EXPECT_FALSE(sink.TakeNewCode());
}

TEST_F(EventSinkTest, MremapMovesTheOldRangeToTheNew) {
  sink.Handle(MmapRecord(0x10000, 0x1000, kProtRW));
  sink.Handle(MremapRecord(/*old_addr=*/0x10000, /*old_len=*/0x1000, /*new_addr=*/0x20000,
                           /*new_len=*/0x2000, /*mremap_flags=*/1 /* MREMAP_MAYMOVE */));
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 0x2000);
  sink.Handle(MunmapRecord(0x20000, 0x2000));
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 0);
}

TEST_F(EventSinkTest, BrkGrowsFromTheOldBreak) {
  sink.Handle(BrkRecord(/*old_brk=*/0x5000, /*new_brk=*/0x5000 + 0x21000));
  EXPECT_EQ(aggregator.totals().outstanding.bytes[static_cast<int>(MemKind::kBrk)],
            0x21000);
}

TEST_F(EventSinkTest, ReleaseThroughAnotherFamilyIsCountedAndStillReleases) {
  ap_alloc_record a = AllocRecord(0x1000, 128);
  a.family = 1;
  ap_free_record f = FreeRecord(0x1000);
  f.family = 2;
  sink.Handle(a);
  sink.Handle(f);
  const Totals& t = aggregator.totals();
  EXPECT_EQ(t.outstanding.outstanding_bytes(), 0);
  EXPECT_EQ(t.mismatched_frees, 1u);
  EXPECT_EQ(t.mismatched_free_bytes, 128u);
  EXPECT_EQ(t.first_mismatch, (std::pair<uint16_t, uint16_t>{1, 2}));
}

// operator delete calls free: two release records of one block on one
// thread, the inner one from deeper in the stack (or the same sp, for a
// tail call). Only the outer one counts, with its family.
TEST_F(EventSinkTest, ReleaseInsideAnotherReleaseCountsOnce) {
  ap_alloc_record a = AllocRecord(0x1000, 96);
  a.family = 3;
  a.hdr.tid = 7;
  ap_free_record outer = FreeRecord(0x1000, /*sp=*/0x7ffd0100);
  outer.family = 3;
  outer.hdr.tid = 7;
  ap_free_record inner = outer;
  inner.family = 4;
  inner.sp = 0x7ffd00f8;
  sink.Handle(a);
  sink.Handle(outer);
  sink.Handle(inner);
  const Totals& t = aggregator.totals();
  EXPECT_EQ(t.outstanding.outstanding_bytes(), 0);
  EXPECT_EQ(t.unknown_frees, 0u);
  EXPECT_EQ(t.mismatched_frees, 0u);
}

// The same address freed again after another thread got it back from the
// allocator is a release of its own, even from the same frame.
TEST_F(EventSinkTest, SameAddressReallocatedElsewhereIsFreedAgain) {
  ap_free_record free1 = FreeRecord(0x1000, /*sp=*/0x7ffd0100);
  free1.hdr.tid = 7;
  ap_alloc_record alloc = AllocRecord(0x1000, 64);
  alloc.hdr.tid = 8;
  sink.Handle(AllocRecord(0x1000, 64));
  sink.Handle(free1);
  sink.Handle(alloc);
  sink.Handle(free1);
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 0);
  EXPECT_EQ(aggregator.totals().freed_objects, 2u);
}

TEST_F(EventSinkTest, SampledBlocksStandForTheirEstimate) {
  ap_alloc_record sampled = AllocRecord(0x1000, 1024);
  sampled.hdr.flags = AP_F_SAMPLED;
  sampled.sample_mean = 512 * 1024;  // the mean gap the block was drawn with
  sink.Handle(sampled);
  // 1024 / (1 - exp(-1024 / 524288)) = 524800.3
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 524800);
  sink.Handle(FreeRecord(0x1000));
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 0);
  // The overhead guard raised the mean: a later sample stands for more.
  sampled.sample_mean = 1024 * 1024;
  sink.Handle(sampled);
  // 1024 / (1 - exp(-1024 / 1048576)) = 1049088.2
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 1049088);
  sink.Handle(FreeRecord(0x1000));
  // Not flagged: counted as it is.
  sink.Handle(AllocRecord(0x2000, 1024));
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 1024);
}

TEST_F(EventSinkTest, ExecutableProtectionMeansNewCode) {
  sink.Handle(MmapRecord(0x10000, 0x2000, PROT_NONE));
  EXPECT_FALSE(sink.TakeNewCode());
  sink.Handle(MprotectRecord(0x10000, 0x1000, PROT_READ | PROT_EXEC));
  EXPECT_TRUE(sink.TakeNewCode());
}

TEST_F(EventSinkTest, JitCodeIsKeptInOrderUntilTaken) {
  sink.Handle(JitCodeRecord(0x7f0000001000, 0x300));
  sink.Handle(JitCodeRecord(0x7f0000002000, 0x80));
  const std::vector<EventSink::JitCode> code = sink.TakeJitCode();
  ASSERT_EQ(code.size(), 2u);
  EXPECT_EQ(code[0].start, 0x7f0000001000u);
  EXPECT_EQ(code[0].size, 0x300u);
  EXPECT_EQ(code[1].start, 0x7f0000002000u);
  EXPECT_EQ(code[1].size, 0x80u);
  EXPECT_TRUE(sink.TakeJitCode().empty());
  EXPECT_EQ(aggregator.totals().outstanding.outstanding_bytes(), 0);
}

// --mode pages: a fault's page counts, madvise releases it.
TEST(EventSinkPagesTest, FaultedPagesCountUntilAdviceDropsThem) {
  Aggregator aggregator(4096, Accounting::kPages);
  StackTable stacks;
  EventSink sink{aggregator, stacks};
  constexpr uint64_t kBase = 0x7f0000000000;
  sink.Handle(MmapRecord(kBase, 16 * 4096, kProtRW));
  for (uint64_t i = 0; i < 4; ++i) sink.Handle(PageFaultRecord(kBase + i * 4096));
  EXPECT_EQ(aggregator.totals().outstanding.bytes[static_cast<int>(MemKind::kPages)],
            4 * 4096);
  sink.Handle(MadviseRecord(kBase, 2 * 4096, MADV_DONTNEED));
  EXPECT_EQ(aggregator.totals().outstanding.bytes[static_cast<int>(MemKind::kPages)],
            2 * 4096);
  EXPECT_EQ(sink.handled(), 6u);
}

}  // namespace
}  // namespace allocprof
