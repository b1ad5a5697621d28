// The bookkeeping behind allocprof's numbers: which call stack holds how many
// outstanding (allocated during the session and not yet released) bytes.
//
// The aggregator sees decoded allocation events in the order the target made
// them and knows nothing about BPF, symbols or output. Stacks are opaque
// StackRef values handed in by the caller (see stacks/stack_table.h), so the
// rules here can be unit-tested with made-up numbers.
#ifndef ALLOCPROF_USERSPACE_AGGREGATE_AGGREGATOR_H_
#define ALLOCPROF_USERSPACE_AGGREGATE_AGGREGATOR_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "userspace/aggregate/region_map.h"
#include "userspace/aggregate/usage.h"

namespace allocprof {

// One mmap-family system call, decoded.
struct MapCall {
  uint64_t addr = 0;
  uint64_t len = 0;
  uint32_t prot = 0;       // PROT_* (mmap, mprotect)
  uint32_t flags = 0;      // MAP_* (mmap) or MREMAP_* (mremap)
  bool file_backed = false;
  // Made while the thread was inside a probed allocator call: backing store
  // of the allocator, not an allocation of the program (see Usage).
  bool in_allocator = false;
};

// One outstanding allocation, for evidence about it (age, size, contents).
struct LiveObject {
  StackRef stack = 0;
  MemKind kind = MemKind::kHeap;
  uint64_t addr = 0;     // the block, or the lowest byte still mapped
  uint64_t bytes = 0;    // outstanding bytes (a mapping: what is left of it)
  uint64_t time_ns = 0;  // SetTime() when it was allocated
};

// What outstanding memory means.
enum class Accounting {
  // What the program asked for: heap blocks, and address space it mapped or
  // grew the break by (allocprof's default).
  kAllocations,
  // --mode pages: what the program made resident. Only page faults
  // (OnPageFault) add bytes, kind kPages; munmap, mremap, brk shrinks,
  // mappings placed over old ones and OnPagesDropped release them, and a
  // mapping or break growth by itself counts nothing.
  kPages,
};

class Aggregator {
 public:
  explicit Aggregator(uint64_t page_size = 4096,
                      Accounting accounting = Accounting::kAllocations);

  // The time of the events that follow (CLOCK_MONOTONIC ns, as BPF stamps
  // them): allocations remember it, so that their age can be told later.
  void SetTime(uint64_t now_ns) { now_ns_ = now_ns; }

  // The target ran execve(): its address space, and every block and
  // mapping in it, is gone, replaced by a new program's. Everything is
  // dropped, allocation history too, so that the figures are the new
  // program's; Totals keeps what was dropped.
  void OnExec();

  // --- Heap blocks (malloc family) ---------------------------------------
  // `family` names the allocator API that served a call (an id the caller
  // assigns; 0: unknown). A block released through another family than the
  // one that allocated it is a bug in the target (malloc'd memory freed with
  // delete, or a block of one allocator handed to another one's free); it is
  // released all the same and counted in Totals::mismatched_frees.
  //
  // A successful allocation of `size` bytes at `ptr`. ptr == 0 is a failed
  // call: counted in Totals::failed_calls, allocates nothing.
  void OnAlloc(StackRef stack, uint64_t ptr, uint64_t size,
               uint16_t family = 0);
  // free(ptr). ptr == 0 is a no-op. A block not allocated during the session
  // counts in Totals::unknown_frees and changes no outstanding figure.
  void OnFree(uint64_t ptr, uint16_t family = 0);
  // realloc(old_ptr, size) returned new_ptr:
  //  - old_ptr == 0: same as OnAlloc(stack, new_ptr, size);
  //  - new_ptr != 0: old block freed (if known), new block allocated to stack;
  //  - new_ptr == 0 && size == 0 && old_ptr != 0: realloc(p, 0) freed p;
  //  - new_ptr == 0 otherwise: the call failed, old block still live.
  void OnRealloc(StackRef stack, uint64_t old_ptr, uint64_t new_ptr,
                 uint64_t size, uint16_t family = 0);

  // A heap block allocated during the session and not released yet.
  bool IsLiveBlock(uint64_t ptr) const { return blocks_.contains(ptr); }
  // The addresses of every live heap block.
  std::vector<uint64_t> LiveBlockAddresses() const;

  // --- Address-space regions (mmap family and brk) ------------------------
  // Lengths are rounded up to whole pages, as the kernel does.
  //
  // A successful mmap: the range now holds this mapping alone, whatever our
  // records said before (MAP_FIXED over older regions releases them).
  // PROT_NONE makes a reservation, not outstanding bytes.
  void OnMmap(StackRef stack, const MapCall& call);
  // A successful munmap: exactly [addr, addr+len) is released from whoever
  // held it; bytes not known to the session count in
  // Totals::unknown_unmapped_bytes.
  void OnMunmap(uint64_t addr, uint64_t len);
  // A successful mremap of [old_addr, old_addr+old_len) to
  // [new_addr, new_addr+new_len). The moved part keeps its owners; bytes
  // beyond old_len belong to `stack`; a shrink releases the cut tail.
  // MREMAP_DONTUNMAP (4) leaves the old range mapped.
  void OnMremap(StackRef stack, uint64_t old_addr, uint64_t old_len,
                uint64_t new_addr, uint64_t new_len, uint32_t flags,
                bool in_allocator);
  // A successful mprotect: reserved (PROT_NONE) parts made accessible become
  // outstanding bytes of `stack`; accessible parts set to PROT_NONE become
  // reservations of their owner again. Ranges the session does not know are
  // ignored.
  void OnMprotect(StackRef stack, uint64_t addr, uint64_t len, uint32_t prot,
                  bool in_allocator);
  // The program break moved from old_brk to new_brk (equal: a query or a
  // failed call). Growth is a region of kind kBrk owned by `stack`; a shrink
  // releases [new_brk, old_brk).
  void OnBrk(StackRef stack, uint64_t old_brk, uint64_t new_brk,
             bool in_allocator);

  // --- Resident pages (Accounting::kPages) -------------------------------
  // A write made the page that holds `addr` resident, or, when `huge_len`
  // is not 0 and nothing in [huge_start, huge_start + huge_len) is held
  // yet, that whole transparent huge page (the kernel fills one only into
  // an empty aligned block). Each fault that adds pages is one object of
  // `stack`; a page already held is not counted again.
  void OnPageFault(StackRef stack, uint64_t addr, uint64_t huge_start = 0,
                   uint64_t huge_len = 0);
  // madvise(MADV_DONTNEED, MADV_FREE, MADV_REMOVE): the range's pages are
  // released; the mapping stays.
  void OnPagesDropped(uint64_t addr, uint64_t len);

  // --- Results ------------------------------------------------------------
  const Totals& totals() const { return totals_; }
  // Every stack that holds outstanding bytes, reservations or backing
  // memory, largest Usage::outstanding_bytes() first (ties: StackRef order).
  std::vector<std::pair<StackRef, Usage>> ByStack() const;
  // Every stack that allocated during the session, with what it allocated.
  const absl::flat_hash_map<StackRef, Allocated>& allocated_by_stack() const {
    return allocated_;
  }
  // Every outstanding allocation: each heap block, and each mapping or brk
  // growth the program made (one object however munmap split it; reserved
  // and allocator backing pieces are not allocations). Unordered.
  std::vector<LiveObject> LiveObjects() const;
  // Every outstanding piece of address space the program mapped itself
  // (not reserved, not allocator backing), in address order.
  void ForEachOutstandingPiece(RegionMap::Visitor visit) const;

 private:
  struct Block {
    StackRef stack;
    uint64_t size;
    uint16_t family;
    uint64_t time_ns = 0;  // when it was allocated (SetTime)
  };

  // Heap blocks.
  void CountBlock(StackRef stack, uint64_t size);
  void ReleaseBlock(const Block& block);
  // free(ptr) as part of free or realloc: releases a known block, counts an
  // unknown one.
  void FreeBlock(uint64_t ptr, uint16_t family);

  // End of [addr, addr+len) with len rounded up to whole pages, clamped to
  // the top of the address space.
  uint64_t PageRangeEnd(uint64_t addr, uint64_t len) const;
  // A fresh piece of `owner`; program allocations get a new origin (one
  // object), reservations and backing store do not.
  Region NewRegion(StackRef owner, MemKind kind, bool in_allocator,
                   bool reserved);
  uint64_t NewOrigin(StackRef owner, MemKind kind);
  // `bytes` of `region` came into existence / went away: moves the figures
  // of its owner, the totals and the object count of its origin.
  void AddBytes(const Region& region, uint64_t bytes);
  void ReleaseBytes(const Region& region, uint64_t bytes);
  // Inserts a new piece and counts it.
  void AddRegion(uint64_t start, uint64_t end, const Region& region);
  // Drops [start, end) from the records, releasing what was there. Returns
  // the bytes no record covered.
  uint64_t ReleaseRange(uint64_t start, uint64_t end);
  // Bytes unmapped that no record covered: regions older than the session.
  // In pages mode they are address space, not pages known to be resident.
  void CountUnknownUnmapped(uint64_t bytes) {
    if (accounting_ == Accounting::kAllocations) totals_.unknown_unmapped_bytes += bytes;
  }
  bool CountsPages() const { return accounting_ == Accounting::kPages; }
  // Applies `change` to the usage of `stack` and to the session totals, so
  // that Totals::outstanding is always the sum of every stack's Usage.
  template <typename Change>
  void ChangeUsage(StackRef stack, Change change) {
    change(usage_[stack]);
    change(totals_.outstanding);
  }

  uint64_t page_size_;
  Accounting accounting_;
  absl::flat_hash_map<uint64_t, Block> blocks_;
  absl::flat_hash_map<StackRef, Usage> usage_;
  absl::flat_hash_map<StackRef, Allocated> allocated_;
  // Outstanding bytes left of every live region object, by origin id.
  absl::flat_hash_map<uint64_t, uint64_t> origin_bytes_;
  // When each live region object was made (SetTime), by origin id.
  absl::flat_hash_map<uint64_t, uint64_t> origin_time_ns_;
  uint64_t now_ns_ = 0;
  uint64_t next_origin_ = 1;
  RegionMap regions_;
  // Pieces an mremap is moving; kept to reuse its capacity across calls.
  std::vector<RegionPiece> moving_;
  Totals totals_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_AGGREGATE_AGGREGATOR_H_
