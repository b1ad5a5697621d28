// The figures the aggregator keeps per stack and for the whole session.
#ifndef ALLOCPROF_USERSPACE_AGGREGATE_USAGE_H_
#define ALLOCPROF_USERSPACE_AGGREGATE_USAGE_H_

#include <cstdint>
#include <utility>

namespace allocprof {

// Opaque identity of a call stack, interned by stacks/StackTable.
using StackRef = uint32_t;

// Where outstanding bytes live.
enum class MemKind : uint8_t {
  kHeap = 0,      // malloc-family blocks
  kAnonMmap = 1,  // anonymous mappings the program made itself
  kFileMmap = 2,  // file-backed mappings the program made itself
  kBrk = 3,       // program break grown by the program itself
  // --mode pages: private pages the program made resident by writing them
  // (the only kind that mode counts).
  kPages = 4,
};
inline constexpr int kMemKinds = 5;

// What one stack holds right now.
struct Usage {
  // Outstanding bytes and live objects, by MemKind. An mmap or brk call is
  // one object; it stays live while any of its bytes do.
  int64_t bytes[kMemKinds] = {};
  int64_t objects[kMemKinds] = {};
  // PROT_NONE address space: reserved, not memory; never outstanding.
  int64_t reserved_bytes = 0;
  // Regions an allocator mapped (or brk it grew) while serving a probed call
  // that this stack made: the allocator's backing store. The heap blocks
  // inside are already counted in bytes[kHeap], so these are not outstanding
  // bytes of their own; they show what the allocator holds.
  int64_t backing_bytes = 0;

  int64_t outstanding_bytes() const {
    int64_t sum = 0;
    for (int64_t b : bytes) sum += b;
    return sum;
  }
  int64_t outstanding_objects() const {
    int64_t sum = 0;
    for (int64_t n : objects) sum += n;
    return sum;
  }
};

// Everything one stack allocated during the session, freed since or not
// (pprof's alloc_space and alloc_objects). Program allocations only: not
// reservations, not allocator backing.
struct Allocated {
  int64_t bytes = 0;
  int64_t objects = 0;
};

// Whole-session figures.
struct Totals {
  // Calls that allocated during the session, and what was released again.
  uint64_t alloc_bytes = 0;
  uint64_t alloc_objects = 0;
  uint64_t freed_bytes = 0;
  uint64_t freed_objects = 0;
  // Sum of every stack's Usage.
  Usage outstanding;
  // Allocation calls that failed (NULL, MAP_FAILED): they allocate nothing.
  uint64_t failed_calls = 0;
  // free()/realloc() of blocks allocated before the session (or whose
  // allocation was lost): counted here, never subtracted from anything.
  uint64_t unknown_frees = 0;
  // munmap/brk-shrink bytes of regions that predate the session.
  uint64_t unknown_unmapped_bytes = 0;
  // Blocks released through another allocator family than the one that
  // allocated them (see Aggregator::OnAlloc), and the first such pair
  // (allocating family, releasing family) as an example for the report.
  uint64_t mismatched_frees = 0;
  uint64_t mismatched_free_bytes = 0;
  std::pair<uint16_t, uint16_t> first_mismatch = {0, 0};
  // execve() calls of the target during the session (Aggregator::OnExec),
  // the last one's time, and what the programs before it held then: all
  // other figures are the last program's.
  uint64_t execs = 0;
  uint64_t last_exec_ns = 0;
  int64_t exec_dropped_bytes = 0;
  int64_t exec_dropped_objects = 0;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_AGGREGATE_USAGE_H_
