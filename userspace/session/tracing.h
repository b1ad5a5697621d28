// The trace stage: from the moment the target runs on under the probes
// until they leave it. Records go from the ring buffer through the event
// sink into the aggregator; the target's new code (dlopen, exec) is learnt
// as it appears; the periodic jobs -- growth samples, the overhead guard,
// the Java and Python sides, naming a runtime's stacks while it lives, the
// running summary -- are registered on the session's TraceLoop.
//
// Tracing is the loop's EventSource: a wait ends on records, a stop signal
// or the target's exit.
#ifndef ALLOCPROF_USERSPACE_SESSION_TRACING_H_
#define ALLOCPROF_USERSPACE_SESSION_TRACING_H_

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "userspace/aggregate/aggregator.h"
#include "userspace/common/session_log.h"
#include "userspace/events/event_sink.h"
#include "userspace/events/ring_reader.h"
#include "userspace/evidence/session_evidence.h"
#include "userspace/profile/named_stacks.h"
#include "userspace/profile/profile.h"
#include "userspace/profile/profile_builder.h"
#include "userspace/session/attach_phases.h"
#include "userspace/session/attachment.h"
#include "userspace/session/java_session.h"
#include "userspace/session/overhead_control.h"
#include "userspace/session/python_session.h"
#include "userspace/session/session.h"
#include "userspace/session/target.h"
#include "userspace/session/trace_loop.h"
#include "userspace/session/wakeups.h"
#include "userspace/stacks/return_slot.h"
#include "userspace/stacks/stack_resolver.h"
#include "userspace/stacks/stack_table.h"

namespace allocprof {

class Tracing : public EventSource {
 public:
  // Opens the ring buffer, finds a JVM or a Python interpreter, starts the
  // memory evidence and lets the target run on (a launched command
  // starts). `stop_fd`: the signalfd of SIGINT and SIGTERM.
  static absl::StatusOr<std::unique_ptr<Tracing>> Start(const SessionOptions& options,
                                                        Target& target, Attachment& attachment,
                                                        SessionLog& log, int stop_fd,
                                                        AttachPhases& phases);
  Tracing(const Tracing&) = delete;
  Tracing& operator=(const Tracing&) = delete;

  // The periodic jobs, on `loop`; running summaries go to `out`.
  void Schedule(TraceLoop& loop, std::ostream& out);

  // EventSource: the ring buffer, the stop signals and the target's exit.
  absl::StatusOr<std::string> WaitAndRead(absl::Duration timeout) override;

  // Tracing ends: the probes leave the target, which runs at full speed
  // while the report is written; every record they committed is read and
  // the ring buffer is unmapped.
  absl::Status Stop();

  // The overhead guard stopped the loop: the traps alone cost more than
  // the budget, and the session goes on in pages mode (--over-budget
  // pages); the guard's notes say when and why.
  bool leaves_probes() const { return overhead_->leave_probes(); }
  std::vector<std::string> GuardNotes() const { return overhead_->Notes(); }

  // After Stop(): the final profile, the last growth sample and the last
  // names of a JVM's methods included.
  Profile Finish();

 private:
  // x86-64's base page: what mappings are rounded to and pages mode counts.
  static constexpr uint64_t kPageBytes = 4096;

  Tracing(const SessionOptions& options, Target& target, Attachment& attachment,
          SessionLog& log);

  // Every record pending, in order; after an exec, the new program's
  // objects are learnt before the records that follow are read.
  absl::Status DrainAll();
  // The target mapped new code (dlopen, or a new program after exec):
  // symbols learn of it while the mapping can still be read, its
  // allocators get probes (pages mode has none) and its code unwind rows.
  void LearnNewCode();
  void SampleGrowth();
  // A JVM's and a Python interpreter's frames are named from their memory.
  void NameRuntimeStacks();
  absl::Status WriteSummary(std::ostream& out);
  // The session so far as a Profile (tracing_snapshot.cc); `at_end`: the
  // final one, which also reads the target's resident memory.
  Profile Snapshot(bool at_end);

  const SessionOptions& options_;
  Target& target_;
  Attachment& attachment_;
  SessionLog& log_;

  Aggregator aggregator_;
  StackTable stack_table_;
  StackResolver resolver_;
  ReturnSlotFinder return_slots_;
  EventSink sink_;
  std::unique_ptr<RingReader> reader_;
  uint64_t ring_malformed_ = 0;  // the reader's count, once it is gone
  std::unique_ptr<Waiter> waiter_;
  int stop_fd_ = -1;
  JavaSession java_;
  PythonSession python_;
  SessionEvidence evidence_;
  std::unique_ptr<OverheadControl> overhead_;
  NamedStacks names_;
  ProfileBuilder builder_;

  absl::Time start_;
  uint64_t start_ns_ = 0;  // on the events' clock
  double cpu_at_start_ = 0;
  absl::Duration sample_every_;
  absl::Time next_sample_;
  absl::Time next_summary_ = absl::InfiniteFuture();
  std::vector<IntervalSample> intervals_;
  StackRef runtime_named_ = 0;  // stacks below this one are named
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SESSION_TRACING_H_
