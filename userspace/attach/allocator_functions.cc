#include "userspace/attach/allocator_functions.h"

#include "bpf/events.h"

namespace allocprof {

absl::Span<const AllocatorFunction> CLibraryAllocator() {
  static constexpr AllocatorFunction kFunctions[] = {
      {"malloc", AP_FN_MALLOC, true},
      {"free", AP_FN_FREE, false},
      {"calloc", AP_FN_CALLOC, true},
      {"realloc", AP_FN_REALLOC, true},
      {"reallocarray", AP_FN_REALLOCARRAY, true},
      {"posix_memalign", AP_FN_POSIX_MEMALIGN, true},
      {"aligned_alloc", AP_FN_ALIGNED_ALLOC, true},
      {"memalign", AP_FN_MEMALIGN, true},
      {"valloc", AP_FN_VALLOC, true},
      {"pvalloc", AP_FN_PVALLOC, true},
  };
  return kFunctions;
}

}  // namespace allocprof
