// The allocator entry points allocprof knows by name, and how to read each
// one's arguments: the C library's malloc family (wherever it is defined),
// jemalloc's, tcmalloc's and mimalloc's own APIs, and C++ operator new and
// delete in every variant.
#ifndef ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_CATALOG_H_
#define ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_CATALOG_H_

#include <cstdint>

#include "absl/types/span.h"

namespace allocprof {

// Which API a function belongs to. A block should be released through the
// API that allocated it: free() on a block from operator new is a bug.
enum class AllocatorApi : uint8_t {
  kC = 0,    // malloc/free and the allocators' own C entry points
  kCxx = 1,  // operator new/delete
};

// What a call does and where its arguments are (1-based, 0: none); packed
// into the probe's BPF cookie (see bpf/events.h).
struct CallShape {
  uint32_t kind = 0;       // AP_KIND_*
  uint8_t size_arg = 0;    // the requested size
  uint8_t count_arg = 0;   // an element count multiplied into the size
  uint8_t ptr_arg = 0;     // the block released, moved or resized
  uint8_t out_arg = 0;     // where the new block is stored (posix_memalign)
};

struct AllocatorFunction {
  const char* symbol;
  CallShape shape;
  AllocatorApi api;
};

// Every known function. Where several names share one address in an object
// (tcmalloc's malloc and tc_malloc), the one listed first names the probe.
absl::Span<const AllocatorFunction> KnownAllocatorFunctions();

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_CATALOG_H_
