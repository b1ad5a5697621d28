#include "userspace/session/trace_loop.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace allocprof {

namespace {

class SystemClock : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
};

}  // namespace

Clock& RealClock() {
  static SystemClock clock;
  return clock;
}

void TraceLoop::EveryTurn(std::string name, Job job, Due due) {
  jobs_.push_back({std::move(name), std::move(job), std::move(due), true});
}

void TraceLoop::When(std::string name, Due due, Job job) {
  jobs_.push_back({std::move(name), std::move(job), std::move(due), false});
}

absl::StatusOr<std::string> TraceLoop::Run(absl::Time deadline) {
  for (;;) {
    const absl::Time now = clock_.Now();
    absl::Time wake = std::min(now + max_wait_, deadline);
    for (const Registered& r : jobs_) {
      if (r.due) wake = std::min(wake, r.due());
    }
    absl::StatusOr<std::string> why =
        events_.WaitAndRead(std::max(wake - now, absl::ZeroDuration()));
    if (!why.ok() || !why->empty()) return why;
    if (clock_.Now() >= deadline) return std::string("the duration passed");
    for (Registered& r : jobs_) {
      const absl::Time at = clock_.Now();
      if (!r.every_turn && r.due() > at) continue;
      if (absl::Status s = r.job(at); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat(r.name, ": ", s.message()));
      }
      if (!stop_why_.empty()) return stop_why_;
    }
  }
}

}  // namespace allocprof
