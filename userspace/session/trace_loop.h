// The trace stage's loop: wait for records, read them, run the periodic
// jobs that are due, until a reason to stop.
//
// What it waits on (the ring buffer, signals, the target's exit) and the
// time it reads are interfaces, so that a unit test drives the loop with a
// fake source and a fake clock. A new periodic job -- a budget check, a
// runtime's name refresh -- is one registration.
#ifndef ALLOCPROF_USERSPACE_SESSION_TRACE_LOOP_H_
#define ALLOCPROF_USERSPACE_SESSION_TRACE_LOOP_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace allocprof {

// The loop's time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
};

// absl::Now().
Clock& RealClock();

// What the loop waits on.
class EventSource {
 public:
  virtual ~EventSource() = default;
  // Waits at most `timeout` for records or a reason to stop, then reads
  // every record pending. Returns why tracing must stop ("the target
  // exited"), or "" to go on; an error ends the session.
  virtual absl::StatusOr<std::string> WaitAndRead(absl::Duration timeout) = 0;
};

class TraceLoop {
 public:
  // A job's work at `now`; an error ends the loop with it.
  using Job = std::function<absl::Status(absl::Time now)>;
  // When a job next wants to run; absl::InfiniteFuture(): not before a
  // later turn says otherwise.
  using Due = std::function<absl::Time()>;

  // `max_wait`: the longest one wait lasts when no job is due sooner (BPF
  // wakes the reader only for full batches: records wait no longer).
  TraceLoop(Clock& clock, EventSource& events, absl::Duration max_wait)
      : clock_(clock), events_(events), max_wait_(max_wait) {}

  // Runs `job` after every wait that gives no reason to stop; `due`, if
  // given, ends a wait in time for the job's own schedule.
  void EveryTurn(std::string name, Job job, Due due = nullptr);
  // Runs `job` once `due()` has come; the job moves its own next time.
  void When(std::string name, Due due, Job job);

  // From a job: the loop ends after it, for `why`; no later job runs.
  void Stop(std::string why) { stop_why_ = std::move(why); }

  // Turns until the source gives a reason to stop, `deadline` passes, a
  // job stops the loop or fails. Jobs run in the order registered, after the records are
  // read; none runs on the turn that stops. Returns why it stopped.
  absl::StatusOr<std::string> Run(absl::Time deadline);

 private:
  struct Registered {
    std::string name;
    Job job;
    Due due;       // null: no schedule of its own
    bool every_turn;
  };

  Clock& clock_;
  EventSource& events_;
  const absl::Duration max_wait_;
  std::vector<Registered> jobs_;
  std::string stop_why_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SESSION_TRACE_LOOP_H_
