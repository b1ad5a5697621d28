// One profiling run: check the host, attach to the target, read events until
// the end, print the report.
#ifndef ALLOCPROF_USERSPACE_SESSION_SESSION_H_
#define ALLOCPROF_USERSPACE_SESSION_SESSION_H_

#include <sys/types.h>

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bpf/events.h"
#include "userspace/attach/custom_functions.h"
#include "userspace/outputs/output_files.h"

namespace allocprof {

struct SessionOptions {
  pid_t pid = 0;                     // -p: an existing process ...
  std::vector<std::string> command;  // ... or -- CMD ARGS...
  absl::Duration duration = absl::InfiniteDuration();
  absl::Duration interval = absl::ZeroDuration();  // 0: no running summary
  int top = 10;
  // --min-age: only allocations at least this old at the end are reported.
  absl::Duration min_age = absl::ZeroDuration();
  // --peek N: read the first bytes of up to N surviving allocations of each
  // stack the report shows; 0: never read the target's memory.
  int peek = 0;
  OutputFiles outputs;  // files to write the final profile to
  bool verbose = false;
  bool floor_mode = false;  // benchmark aid: probes with empty programs
  bool floor_stacks = false;  // ... that take the allocation's stack
  uint32_t stack_map_entries = 16384;
  uint32_t ring_buffer_mib = 4;
  // --alloc-fn / --free-fn: the target's own allocator functions.
  std::vector<CustomFunction> declared_functions;
  // --sample-bytes: mean bytes between sampled allocations; 0 traces all.
  uint64_t sample_bytes = 0;
  // --max-overhead: the probes' time the target may spend, a fraction of
  // one core; beyond it sampling starts or its mean rises. 0: no guard.
  double max_overhead = 0.05;
  // --over-budget pages: where the probes' traps alone cost more than
  // max_overhead, whatever the sampling, the allocator probes leave and the
  // session goes on in pages mode.
  bool pages_when_over_budget = true;
  bool uprobe_sessions = true;  // where the kernel has them
  // --mode pages: no uprobes; resident pages by the code that wrote them
  // first (page faults), released by munmap, mremap, brk and madvise.
  bool pages_mode = false;
  // A Java target (libjvm.so mapped) gets names for its JIT-compiled frames
  // through the JVM's attach listener; --no-java leaves the JVM alone.
  bool java = true;
  // A Python target (CPython 3.11) gets its Python functions named in its
  // stacks; --no-python leaves the interpreter alone.
  bool python = true;
  // --unwind: AP_UNWIND_* (bpf/events.h); CFI where there is some by default.
  uint32_t unwind_mode = AP_UNWIND_AUTO;
};

// Runs until the duration passes, SIGINT/SIGTERM arrives or the target
// exits, then writes the final report to `out` (and the folded file).
// Progress and notes go to stderr. An error means nothing was reported and
// nothing stays attached.
absl::Status RunSession(const SessionOptions& options, std::ostream& out);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SESSION_SESSION_H_
