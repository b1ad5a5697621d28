// The Java side of a session, once the target maps HotSpot's libjvm.so
// (java/java_target.h): found at the start for a running JVM, or when the
// launcher loads libjvm.so for one started with -- CMD.
//
// On finding the JVM it hooks Java frames into the symbolizer and attaches
// the compiled-method probe. It asks the JVM for its perf map (names and
// the interpreter's and stubs' code) right away; one still starting is
// asked again every second until it can answer. Where neither the probe
// nor the code cache (read in BPF walks) can tell of new methods, it is
// asked every 10 s, and where the code cache cannot name them, once more
// at the end. Compiled methods the probe reports get their rows at most
// kRowsMinGap later.
#ifndef ALLOCPROF_USERSPACE_SESSION_JAVA_SESSION_H_
#define ALLOCPROF_USERSPACE_SESSION_JAVA_SESSION_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "userspace/attach/bpf_probes.h"
#include "userspace/common/session_log.h"
#include "userspace/events/event_sink.h"
#include "userspace/java/java_target.h"
#include "userspace/symbols/symbolizer.h"
#include "userspace/unwind/unwind_tables.h"

namespace allocprof {

class JavaSession {
 public:
  // The target is `process`, with the pidfd `pidfd` (Target's); both must
  // outlive the JavaSession. `unwind`: null without BPF unwinding
  // (--unwind fp).
  JavaSession(const ProcessHandle& process, int pidfd, BpfProbes& probes, Symbolizer& symbolizer,
              UnwindTables* unwind, SessionLog& log)
      : process_(process), pidfd_(pidfd), probes_(probes), symbolizer_(symbolizer),
        unwind_(unwind), log_(log) {}

  // The target's modules may have changed (the start, a dlopen): starts
  // on a JVM, and asks it at once.
  void Notice();
  // From the session's loop: methods the JVM installed (AP_EV_JIT_CODE),
  // then whatever is due.
  void Tick(std::vector<EventSink::JitCode> loads);
  // How long the loop may wait before a Tick is due.
  absl::Duration UntilDue() const;
  // Before the final report: a last perf map.
  void Finish();

  bool active() const { return java_ != nullptr; }
  // The report's notes about Java frames; none when the target is no JVM.
  std::vector<std::string> Notes() const;

 private:
  // False when the JVM's memory cannot be opened (it has exited).
  bool Start();
  absl::Status WritePerfMap();
  void Ask();
  void PublishRows();

  const ProcessHandle& process_;
  const int pidfd_;
  BpfProbes& probes_;
  Symbolizer& symbolizer_;
  UnwindTables* unwind_;
  SessionLog& log_;
  std::unique_ptr<JavaTarget> java_;
  absl::Time next_ask_ = absl::InfiniteFuture();
  bool code_cache_in_bpf_ = false;
  bool rows_stale_ = false;
  absl::Time next_publish_ = absl::InfinitePast();
  absl::Time next_rows_log_ = absl::InfinitePast();
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SESSION_JAVA_SESSION_H_
