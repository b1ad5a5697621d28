#include "userspace/session/session.h"

#include <iostream>
#include <memory>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "userspace/attach/host_checks.h"
#include "userspace/common/session_log.h"
#include "userspace/report/text_report.h"
#include "userspace/session/attach_phases.h"
#include "userspace/session/attachment.h"
#include "userspace/session/target.h"
#include "userspace/session/trace_loop.h"
#include "userspace/session/tracing.h"
#include "userspace/session/wakeups.h"

namespace allocprof {
namespace {

// How long buffered events may wait when BPF does not wake the reader (it
// only does for full batches) -- and so how late a running summary may be.
constexpr absl::Duration kMaxEventDelay = absl::Milliseconds(50);

// The host can trace, and the output files can be written: a bad path must
// fail fast, not after a long session.
absl::Status CheckHost(const SessionOptions& options) {
  absl::Status s = CheckPrivileges();
  if (s.ok()) s = CheckKernelBtf();
  if (s.ok()) s = EnsureTracefs();
  if (s.ok()) s = PrepareOutputFiles(options.outputs);
  return s;
}

// The target: one that runs, or a command started held before its entry
// point, every library it needs mapped.
absl::StatusOr<std::unique_ptr<Target>> PrepareTarget(const SessionOptions& options) {
  auto target = options.command.empty() ? Target::Existing(options.pid)
                                        : Target::Launch(options.command);
  if (!target.ok()) return target.status();
  if (absl::Status s = (*target)->WaitForLoader(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat((*target)->description(), ": ", s.message()));
  }
  return target;
}

}  // namespace

absl::Status RunSession(const SessionOptions& options, std::ostream& out) {
  if (absl::Status s = CheckHost(options); !s.ok()) return s;
  auto stop_fd = StopSignals();
  if (!stop_fd.ok()) return stop_fd.status();
  SessionLog log(std::cerr, options.verbose);

  AttachPhases phases;
  auto target = PrepareTarget(options);
  if (!target.ok()) return target.status();
  phases.Done(options.command.empty() ? "target" : "command to its entry point");
  auto attachment = Attach(options, **target, log, phases);
  if (!attachment.ok()) return attachment.status();

  auto tracing = Tracing::Start(options, **target, **attachment, log, stop_fd->get(), phases);
  if (!tracing.ok()) return tracing.status();
  TraceLoop loop(RealClock(), **tracing, kMaxEventDelay);
  (*tracing)->Schedule(loop, out);
  auto why = loop.Run(absl::Now() + options.duration);
  if (!why.ok()) return why.status();
  if (absl::Status s = (*tracing)->Stop(*why); !s.ok()) return s;

  const Profile profile = (*tracing)->Finish();
  WriteTextReport(out, profile, options.top);
  out.flush();
  return WriteOutputFiles(profile, options.outputs);
}

}  // namespace allocprof
