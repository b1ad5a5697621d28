// The allocator entry points allocprof probes, and what each one means.
#ifndef ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_FUNCTIONS_H_
#define ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_FUNCTIONS_H_

#include <cstdint>

#include "absl/types/span.h"

namespace allocprof {

struct AllocatorFunction {
  const char* symbol;
  uint32_t fn;   // AP_FN_* (bpf/events.h): selects the BPF entry program
  bool returns;  // needs a return probe: it hands out a block
};

// The C library's malloc family. Order matters where symbols alias one
// address (glibc's aligned_alloc and memalign, say): the first name wins
// and the address is probed once.
absl::Span<const AllocatorFunction> CLibraryAllocator();

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_FUNCTIONS_H_
