// The Python side of a session, once the target maps a CPython
// interpreter (python/python_target.h): found at the start, or when the
// program loads libpython (-- CMD, an embedding program's dlopen).
//
// Once the interpreter's layout checks out, the BPF walk reads its frames
// (bpf/python_frames.bpf.h) and the symbolizer names them. An interpreter
// still initialising is checked again every 100 ms.
#ifndef ALLOCPROF_USERSPACE_SESSION_PYTHON_SESSION_H_
#define ALLOCPROF_USERSPACE_SESSION_PYTHON_SESSION_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "userspace/attach/bpf_probes.h"
#include "userspace/common/session_log.h"
#include "userspace/profile/profile.h"
#include "userspace/python/python_target.h"
#include "userspace/symbols/process_handle.h"
#include "userspace/symbols/symbolizer.h"

namespace allocprof {

class PythonSession {
 public:
  // The target is `process`, which must outlive the PythonSession.
  // `walks`: the BPF walk runs (not --unwind fp), without which Python
  // frames cannot be recorded.
  PythonSession(const ProcessHandle& process, BpfProbes& probes, Symbolizer& symbolizer,
                bool walks, SessionLog& log)
      : process_(process), probes_(probes), symbolizer_(symbolizer), walks_(walks), log_(log) {}

  // The target's modules may have changed (the start, a dlopen).
  void Notice();
  // From the session's loop: checks an interpreter that was initialising.
  void Tick();
  absl::Duration UntilDue() const;

  bool active() const { return published_; }
  // The report's notes about Python frames, and about the pymalloc arenas
  // in `profile` (python/pymalloc_arenas.h).
  std::vector<std::string> Notes(const Profile& profile) const;

 private:
  void Check();

  const ProcessHandle& process_;
  BpfProbes& probes_;
  Symbolizer& symbolizer_;
  const bool walks_;
  SessionLog& log_;
  std::unique_ptr<PythonTarget> python_;
  bool published_ = false;  // the walk reads the interpreter's frames
  absl::Time next_check_ = absl::InfiniteFuture();
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SESSION_PYTHON_SESSION_H_
