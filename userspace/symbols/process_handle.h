// A handle on one traced process's /proc entry and root directory.
//
// Both are held as file descriptors rather than looked up by PID each time:
//  - the /proc/PID directory fd stays bound to the process it was opened for,
//    so once that process has exited, files under it fail to open even if the
//    PID has been reused by an unrelated process;
//  - the root directory fd (/proc/PID/root) keeps the target's view of the
//    file system reachable, so its ELF files and perf maps can be read after
//    it has exited, and a target in another mount namespace (a container)
//    gets its own files rather than the host's files of the same name.
// Everything read of the target -- its /proc files, its memory
// (OpenMemory), its files -- goes through these descriptors, never through
// a path built from its PID, which names whichever process has it now.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_PROCESS_HANDLE_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_PROCESS_HANDLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/common/target_memory.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {

class ProcessHandle {
 public:
  // NotFound when no process `pid` exists, PermissionDenied when we may not
  // look inside it.
  static absl::StatusOr<ProcessHandle> Open(int pid);

  // A second handle on the same process (the descriptors duplicated), for
  // an owner that outlives this one's.
  absl::StatusOr<ProcessHandle> Duplicate() const;

  int pid() const { return pid_; }

  // Contents of /proc/PID/<name>. NotFound once the process has exited.
  absl::StatusOr<std::string> ReadProcFile(absl::string_view name) const;
  // Opens /proc/PID/<name> with `flags` (O_CLOEXEC is added).
  absl::StatusOr<UniqueFd> OpenProcFile(absl::string_view name,
                                        int flags) const;
  // The target of the link /proc/PID/<name> ("exe", "cwd").
  absl::StatusOr<std::string> ReadProcLink(absl::string_view name) const;

  // The process's memory, read through /proc/PID/mem (target_memory.h):
  // bound to the address space the process has now, so it reads nothing
  // once the process exits or runs exec, whatever its PID names later.
  // NotFound "the target exited" when it is gone already.
  absl::StatusOr<TargetMemory> OpenMemory() const;

  // A path through which `path`, an absolute path as the target sees it, can
  // be opened by this process for as long as the handle lives.
  std::string RootPath(absl::string_view path) const;

  // Whether the target's mount namespace is ours. Files on mounts of a
  // namespace of its own (a container's volumes, tmpfs) become unreachable
  // when that namespace dies with its last process; its root file system
  // stays reachable through the root directory fd.
  absl::StatusOr<bool> SharesOurMountNamespace() const;

  // The target's PID inside its own PID namespace (what it calls getpid()):
  // the number a JIT puts in its /tmp/perf-PID.map. Same as pid() outside
  // containers.
  absl::StatusOr<int> NamespacePid() const;

 private:
  ProcessHandle(int pid, UniqueFd proc_dir, UniqueFd root_dir)
      : pid_(pid),
        proc_dir_(std::move(proc_dir)),
        root_dir_(std::move(root_dir)) {}

  int pid_;
  UniqueFd proc_dir_;
  UniqueFd root_dir_;
};

// The innermost PID from the "NSpid:" line of a /proc/PID/status text, or
// `pid` when the line is absent (kernels before 4.1 have none).
absl::StatusOr<int> ParseNamespacePid(absl::string_view status, int pid);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_PROCESS_HANDLE_H_
