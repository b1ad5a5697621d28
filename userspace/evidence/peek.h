// --peek: the first bytes of surviving allocations, read from the target's
// memory with process_vm_readv. Read only: allocprof never writes to the
// target, and a read that fails says why instead of showing nothing.
#ifndef ALLOCPROF_USERSPACE_EVIDENCE_PEEK_H_
#define ALLOCPROF_USERSPACE_EVIDENCE_PEEK_H_

#include <sys/types.h>

#include <cstddef>

#include "userspace/profile/profile.h"

namespace allocprof {

// How many bytes of each allocation --peek shows.
inline constexpr size_t kPeekBytes = 64;

// Reads min(block->size, length) bytes at block->address into block->bytes,
// or sets block->error: "the target exited" (ESRCH), "not mapped (EFAULT)",
// "permission denied (EPERM)", else the errno text. A read cut short by an
// unmapped page keeps what was read.
void PeekBlock(pid_t pid, PeekedBlock* block, size_t length = kPeekBytes);

// Reads the peek candidates (StackEvidence::peeks, set by SessionEvidence)
// of the stacks the report shows -- the `top` holding the most and the leak
// suspects -- and drops those of every other stack.
void PeekShownStacks(pid_t pid, int top, Profile* profile);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVIDENCE_PEEK_H_
