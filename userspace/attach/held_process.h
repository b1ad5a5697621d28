// Starts a command held before its first instruction, so that allocprof can
// attach before the command allocates anything, then lets it run.
#ifndef ALLOCPROF_USERSPACE_ATTACH_HELD_PROCESS_H_
#define ALLOCPROF_USERSPACE_ATTACH_HELD_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace allocprof {

// The uprobes go on the C library the command will map, which only the
// dynamic loader knows. So the command runs under ptrace, one system call at
// a time, through the loader until `ready` says its C library is mapped; it
// is stopped there while the probes are attached, then released. ptrace is
// only used until Release(): the command then runs untraced by it.
class HeldProcess {
 public:
  // fork + exec of argv[0] (searched in PATH) stopped right after exec.
  // Fails with the exec error if the command cannot be executed.
  static absl::StatusOr<std::unique_ptr<HeldProcess>> Start(
      const std::vector<std::string>& argv);
  // Kills the command if it was never released.
  ~HeldProcess();

  pid_t pid() const { return pid_; }

  // Steps the command through its system calls until `ready()` is true
  // (checked after each mmap) and leaves it stopped. Fails if the command
  // exits first or `max_syscalls` pass.
  absl::Status RunUntil(const std::function<bool()>& ready, int max_syscalls = 20000);

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
