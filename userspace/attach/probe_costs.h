// What one probe hit costs the traced thread on this host. A uprobe is a
// trap: the kernel emulates a few instructions at the probe (push, nop,
// direct jumps and calls) and single-steps all others, ten times dearer;
// a return probe is a second trap. The costs differ by CPU, kernel and
// hypervisor (on a nested VM a single step costs ~13 us against ~0.7 us
// for an emulated hit), so they are measured, not assumed: on functions of
// allocprof itself with empty programs, a few milliseconds' worth.
#ifndef ALLOCPROF_USERSPACE_ATTACH_PROBE_COSTS_H_
#define ALLOCPROF_USERSPACE_ATTACH_PROBE_COSTS_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace allocprof {

// What the allocator probes did so far: sums of BPF's per-CPU AP_ACT_*
// counters, and the heap programs' run time from the kernel's statistics.
struct ProbeActivity {
  uint64_t emulated_entries = 0;
  uint64_t stepped_entries = 0;
  uint64_t returns = 0;
  uint64_t bpf_run_ns = 0;  // 0 unless BPF statistics are on
  // Stacks walked with CFI, and how many of them were a walk met before
  // (bpf/unwind.bpf.h, walk_memos): for -v, not priced.
  uint64_t walks = 0;
  uint64_t walks_remembered = 0;
};

struct ProbeCosts {
  double emulated_ns = 0;  // an entry probe on an emulated instruction
  double stepped_ns = 0;   // ... on a single-stepped one
  double return_ns = 0;    // a return probe, on top of its entry's
};

// Conservative figures for when measuring fails (those of a nested VM).
ProbeCosts AssumedProbeCosts();

// Attaches empty programs to allocprof's own calibration functions, times
// calls to them against calls without probes, and detaches. Takes a few
// milliseconds; fails if the probes cannot be attached.
absl::StatusOr<ProbeCosts> MeasureProbeCosts();

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_PROBE_COSTS_H_
