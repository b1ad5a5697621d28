// --peek: the first bytes of surviving allocations, read from the target's
// memory through its /proc/PID/mem (TargetMemory), so a process that took
// its PID after it exited is never read. Read only: allocprof never writes
// to the target, and a read that fails says why instead of showing nothing.
#ifndef ALLOCPROF_USERSPACE_EVIDENCE_PEEK_H_
#define ALLOCPROF_USERSPACE_EVIDENCE_PEEK_H_

#include <cstddef>

#include "userspace/common/target_memory.h"
#include "userspace/profile/profile.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {

// How many bytes of each allocation --peek shows.
inline constexpr size_t kPeekBytes = 64;

// Reads min(block->size, length) bytes at block->address into block->bytes,
// or sets block->error: "the target exited" (ESRCH), "not mapped (EFAULT)",
// "permission denied (EPERM)", else the errno text. A read cut short by an
// unmapped page keeps what was read.
void PeekBlock(const TargetMemory& memory, PeekedBlock* block, size_t length = kPeekBytes);

// Reads the peek candidates (StackEvidence::peeks, set by SessionEvidence)
// of the stacks the report shows -- the `top` holding the most and the leak
// suspects -- from the memory of the process `process` holds, and drops
// those of every other stack.
void PeekShownStacks(const ProcessHandle& process, int top, Profile* profile);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVIDENCE_PEEK_H_
