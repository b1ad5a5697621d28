// The overhead guard at work in a session: prices a probe hit on this host,
// feeds the guard the probes' counters once a second and applies what it
// decides to the running BPF programs.
//
// The first raise switches from tracing every call to sampling, and frees
// must not be lost across it: once sampling, BPF reports only the frees of
// blocks in its live-block map. So BPF first enters every block it records
// into that map, allocprof waits for calls in flight, reads every record
// pending, enters the blocks it knows to be live, and only then sets the
// mean.
#ifndef ALLOCPROF_USERSPACE_SESSION_OVERHEAD_CONTROL_H_
#define ALLOCPROF_USERSPACE_SESSION_OVERHEAD_CONTROL_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "userspace/aggregate/aggregator.h"
#include "userspace/attach/bpf_probes.h"
#include "userspace/common/session_log.h"
#include "userspace/events/overhead_guard.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {

class OverheadControl {
 public:
  // Reads every record pending into the aggregator.
  using DrainAll = std::function<absl::Status()>;

  // `budget`: a fraction of one core; 0 turns the guard off.
  // `pages_when_over_budget`: the session can go on in pages mode when the
  // traps alone cost more than the budget (leave_probes()).
  OverheadControl(double budget, bool pages_when_over_budget, BpfProbes& probes,
                  DrainAll drain_all, Aggregator& aggregator, const ProcessHandle& target,
                  SessionLog& log);

  bool active() const { return guard_.has_value(); }
  // The sampling mean in effect (0: every call traced).
  uint64_t mean() const { return guard_ ? guard_->mean() : 0; }
  // The traps alone cost more than the budget: the allocator probes should
  // leave, and the session go on in pages mode.
  bool leave_probes() const { return guard_ && guard_->leave_probes(); }
  // Measures what a hit costs (a few ms) and starts the first window.
  void Start();
  // Once a window is due: the guard's decision, applied.
  absl::Status Tick(double seconds);
  // Tracing has ended (the probes are about to go, and the ring buffer
  // with them): the session's figures are taken now, not when the report
  // is written. No Tick() after.
  void Stop();
  // The session's figures (all zero without the guard) ...
  ProbeOverhead Figures() const;
  // ... and the report's notes: one for each change.
  std::vector<std::string> Notes() const;

 private:
  absl::Status Apply(uint64_t mean);
  // Why and when the probes left: one of Notes().
  std::string LeaveNote() const;
  double TargetCpuSeconds() const;

  double budget_;
  bool pages_when_over_budget_;
  BpfProbes& probes_;
  DrainAll drain_all_;
  Aggregator& aggregator_;
  const ProcessHandle& target_;
  SessionLog& log_;
  std::optional<OverheadGuard> guard_;
  double cpu_at_start_ = 0;
  // What Stop() took; until then, read when asked.
  std::optional<ProbeActivity> activity_at_stop_;
  double cpu_at_stop_ = 0;
  double next_tick_ = 0;
  std::string costs_note_;
  uint64_t untracked_blocks_ = 0;  // live when sampling began, not entered
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SESSION_OVERHEAD_CONTROL_H_
