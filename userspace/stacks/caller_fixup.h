// The immediate-caller fix-up for stacks taken at a function's entry.
#ifndef ALLOCPROF_USERSPACE_STACKS_CALLER_FIXUP_H_
#define ALLOCPROF_USERSPACE_STACKS_CALLER_FIXUP_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace allocprof {

// `kernel_frames` is a frame-pointer stack, leaf first, as the kernel took it
// at a probe on a function's first instruction (or at a syscall in a leaf
// wrapper): frame 0 is the probed function, and its caller's return address,
// still at [sp], is missing -- the walk starts from the caller's rbp and so
// resumes at the caller's caller. `caller` is that return address, read by
// BPF. The kernel does include it when its own fix-up for a leading
// `push %rbp` applied (perf_callchain_user, since Linux 6.11), so it is
// inserted as frame 1 only when frame 1 is not already it. caller == 0 means
// unknown: the frames are returned as they are.
//
// `caller2`, when not 0, is the caller's own return address, recovered
// through call-frame information at a syscall whose wrapper is called from a
// function without frame pointers (tcmalloc's interposed mmap): it follows
// `caller`, unless the kernel's walk already has it there.
std::vector<uint64_t> SpliceCaller(absl::Span<const uint64_t> kernel_frames,
                                   uint64_t caller, uint64_t caller2 = 0);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_STACKS_CALLER_FIXUP_H_
