// Keeps the time the target spends in allocprof's probes within a budget
// (--max-overhead) by sampling: when a window's estimate exceeds it, the
// guard picks a larger mean gap between sampled allocations, and BPF takes
// it at once, without detaching.
//
// The estimate: every probe hit costs its trap (emulated or single-stepped
// entry, return), priced by MeasureProbeCosts(), plus what the programs
// themselves ran (the kernel's run-time statistics). Sampling cannot remove
// the entry traps -- every call still hits its probe to be drawn or not --
// nor, with plain uprobes, the return traps; it removes the records, the
// stack walks and, with uprobe sessions, the returns of calls not drawn.
// When the traps alone exceed the budget the guard goes as far as it can
// and says so, or, where the session can go on in pages mode (no uprobes
// at all), asks for the probes to leave.
//
// Pure: the session feeds it counters and applies the means it returns.
#ifndef ALLOCPROF_USERSPACE_EVENTS_OVERHEAD_GUARD_H_
#define ALLOCPROF_USERSPACE_EVENTS_OVERHEAD_GUARD_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "userspace/attach/probe_costs.h"
#include "userspace/profile/profile.h"

namespace allocprof {

struct GuardOptions {
  double budget = 0.05;  // probe time per second, a fraction of one core
  // Uprobe sessions: a call that is not drawn takes no return trap.
  bool returns_follow_samples = false;
  uint64_t max_mean = 64ull << 20;
  // The session can go on without uprobes (--over-budget pages): when the
  // traps alone cost more than the budget, the guard asks for the probes
  // to leave (leave_probes()) instead of sampling as sparsely as it can.
  bool pages_when_traps_exceed = false;
  double window_seconds = 1.0;
};

class OverheadGuard {
 public:
  OverheadGuard(const GuardOptions& options, const ProbeCosts& costs, uint64_t initial_mean);

  // Cumulative figures `seconds` after tracing began: the probes' activity,
  // and the allocations recorded (calls and bytes, exact while every call
  // is traced). Closes a window when one is due, and returns the mean to
  // sample with from now on when the window was over budget.
  std::optional<uint64_t> Observe(double seconds, const ProbeActivity& activity,
                                  uint64_t allocations, uint64_t allocated_bytes);

  uint64_t mean() const { return mean_; }
  // Estimated probe time so far, closed windows and the open one.
  double ProbeSeconds(const ProbeActivity& activity) const;
  bool traps_exceed_budget() const { return traps_exceed_budget_; }
  // The traps alone cost more than the budget in the last window, and the
  // options say the probes should leave rather than sample.
  bool leave_probes() const { return leave_probes_; }
  const std::vector<SamplingChange>& changes() const { return changes_; }
  const std::vector<OverheadWindow>& windows() const { return windows_; }

 private:
  // Estimated nanoseconds of probe time for activity `d`, and the part of
  // it sampling cannot remove.
  double ProbeNs(const ProbeActivity& d) const;
  double FixedNs(const ProbeActivity& d) const;

  GuardOptions options_;
  ProbeCosts costs_;
  uint64_t mean_;
  bool traps_exceed_budget_ = false;
  bool leave_probes_ = false;
  // At the start of the open window.
  double window_start_ = 0;
  ProbeActivity at_window_start_;
  uint64_t allocations_at_start_ = 0;
  uint64_t bytes_at_start_ = 0;
  std::vector<SamplingChange> changes_;
  std::vector<OverheadWindow> windows_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVENTS_OVERHEAD_GUARD_H_
