// The attach stage: the BPF programs loaded and verified, the syscall
// tracepoints attached, the target's objects read, its allocators probed
// and the unwind tables filled -- everything that must be in place before
// the target runs on. What the kernel refused and what was loaded instead
// is said on stderr and noted for the report.
#ifndef ALLOCPROF_USERSPACE_SESSION_ATTACHMENT_H_
#define ALLOCPROF_USERSPACE_SESSION_ATTACHMENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "userspace/attach/allocator_probes.h"
#include "userspace/attach/bpf_probes.h"
#include "userspace/common/session_log.h"
#include "userspace/session/attach_phases.h"
#include "userspace/session/session.h"
#include "userspace/session/target.h"
#include "userspace/symbols/symbolizer.h"
#include "userspace/unwind/unwind_tables.h"

namespace allocprof {

// Declared in the order they must go: the allocators' probes and the
// unwind tables refer to the BPF programs.
struct Attachment {
  std::unique_ptr<BpfProbes> probes;
  // The target's objects and symbols, read through a handle that outlives
  // the target: a command may exit long before the report is written.
  std::unique_ptr<Symbolizer> symbolizer;
  std::unique_ptr<AllocatorProbes> allocators;
  std::unique_ptr<UnwindTables> unwind_tables;  // null with --unwind fp
};

// Fails, with nothing left attached, when the target exited meanwhile, an
// object cannot be probed or no allocator was found (outside pages mode).
absl::StatusOr<std::unique_ptr<Attachment>> Attach(const SessionOptions& options, Target& target,
                                                   SessionLog& log, AttachPhases& phases);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SESSION_ATTACHMENT_H_
