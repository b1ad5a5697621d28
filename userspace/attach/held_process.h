// Starts a command held before its first instruction, so that allocprof can
// attach before the command allocates anything, then lets it run.
#ifndef ALLOCPROF_USERSPACE_ATTACH_HELD_PROCESS_H_
#define ALLOCPROF_USERSPACE_ATTACH_HELD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace allocprof {

// The uprobes go on the allocators of the objects the command will map,
// which only the dynamic loader knows. So the command runs under ptrace up to
// its entry point, when the loader has mapped every library it needs
// (LD_PRELOAD ones too); it is stopped there while the probes are attached,
// then released. ptrace is only used until Release(): the command then runs
// untraced by it.
class HeldProcess {
 public:
  // fork + exec of argv[0] (searched in PATH) stopped right after exec.
  // Fails with the exec error if the command cannot be executed.
  static absl::StatusOr<std::unique_ptr<HeldProcess>> Start(
      const std::vector<std::string>& argv);
  // Kills the command if it was never released.
  ~HeldProcess();

  pid_t pid() const { return pid_; }

  // Runs the command to its entry point (AT_ENTRY: a breakpoint there,
  // removed when hit) and leaves it stopped. Fails if it exits first.
  absl::Status RunToEntry();

  // Lets the command run freely.
  absl::Status Release();

 private:
  explicit HeldProcess(pid_t pid) : pid_(pid) {}

  pid_t pid_;
  bool released_ = false;
  int pending_signal_ = 0;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_HELD_PROCESS_H_
