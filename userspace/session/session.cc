#include "userspace/session/session.h"

#include <iostream>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

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

// How one mode's tracing ended.
struct PhaseEnd {
  Profile profile;
  // The overhead guard removed the allocator probes (--over-budget pages).
  bool left_probes = false;
  std::vector<std::string> guard_notes;  // the changes of mean, the leaving
};

// Attach, trace until a reason to stop, detach, and the profile. The
// session's duration counts from the first phase's start: `deadline` is
// set then.
absl::StatusOr<PhaseEnd> TracePhase(const SessionOptions& options, Target& target,
                                    SessionLog& log, int stop_fd, AttachPhases& phases,
                                    absl::Time* deadline, std::ostream& out) {
  auto attachment = Attach(options, target, log, phases);
  if (!attachment.ok()) return attachment.status();
  auto tracing = Tracing::Start(options, target, **attachment, log, stop_fd, phases);
  if (!tracing.ok()) return tracing.status();
  TraceLoop loop(RealClock(), **tracing, kMaxEventDelay);
  (*tracing)->Schedule(loop, out);
  if (*deadline == absl::InfinitePast()) *deadline = absl::Now() + options.duration;
  auto why = loop.Run(*deadline);
  if (!why.ok()) return why.status();
  if (absl::Status s = (*tracing)->Stop(); !s.ok()) return s;

  PhaseEnd end;
  end.left_probes = (*tracing)->leaves_probes();
  if (end.left_probes) {
    end.guard_notes = (*tracing)->GuardNotes();
    log.Say(absl::StrCat(*why, ": the allocator probes left; going on in pages mode "
                               "(--over-budget sample keeps them)"));
  } else {
    log.Say(absl::StrCat(*why, "; writing the report"));
  }
  end.profile = (*tracing)->Finish();
  return end;
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
  absl::Time deadline = absl::InfinitePast();
  auto traced = TracePhase(options, **target, log, stop_fd->get(), phases, &deadline, out);
  if (!traced.ok()) return traced.status();

  if (traced->left_probes) {
    // The allocations traced until then are reported first; the outputs
    // get the pages-mode profile that follows, which notes the change and
    // keeps the guard's figures.
    out << "Until the allocator probes left (over the --max-overhead budget):\n";
    WriteTextReport(out, traced->profile, options.top);
    out << "\nFrom then on, in pages mode:\n";
    out.flush();
    SessionOptions pages = options;
    pages.pages_mode = true;
    AttachPhases pages_phases;
    auto paged = TracePhase(pages, **target, log, stop_fd->get(), pages_phases, &deadline, out);
    if (paged.ok()) {
      paged->profile.overhead = std::move(traced->profile.overhead);
      std::vector<std::string>& notes = paged->profile.notes;
      notes.insert(notes.begin(), traced->guard_notes.begin(), traced->guard_notes.end());
      traced = std::move(paged);
    } else {
      // (The target exited meanwhile, say.) What was traced stands, and
      // was reported: the outputs get it, saying why nothing follows.
      const std::string note =
          absl::StrCat("pages mode could not begin: ", paged.status().message());
      log.Say(note);
      traced->profile.notes.push_back(note);
      return WriteOutputFiles(traced->profile, options.outputs);
    }
  }
  WriteTextReport(out, traced->profile, options.top);
  out.flush();
  return WriteOutputFiles(traced->profile, options.outputs);
}

}  // namespace allocprof
