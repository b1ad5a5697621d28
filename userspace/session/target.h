// The process being traced: one that already runs (-p PID), or a command
// allocprof starts held (-- CMD ARGS...).
#ifndef ALLOCPROF_USERSPACE_SESSION_TARGET_H_
#define ALLOCPROF_USERSPACE_SESSION_TARGET_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/attach/held_process.h"
#include "userspace/symbols/process_handle.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {

class Target {
 public:
  static absl::StatusOr<std::unique_ptr<Target>> Existing(pid_t pid);
  // Starts `argv` held before its first instruction; Release() lets it run.
  static absl::StatusOr<std::unique_ptr<Target>> Launch(
      const std::vector<std::string>& argv);
  ~Target();

  pid_t pid() const { return handle_.pid(); }
  const ProcessHandle& handle() const { return handle_; }
  // "PID 4242 (redis-server)", its name escaped for a terminal (Printable).
  const std::string& description() const { return description_; }
  // The executable and argv, as the target sees them (empty if unknown).
  const std::string& program_path() const { return program_path_; }
  const std::vector<std::string>& command_line() const { return command_line_; }

  // A launched command runs through its dynamic loader to its entry point,
  // so that every library it needs is mapped; no-op for an existing process.
  absl::Status WaitForLoader();

  // A launched command starts running; no-op for an existing process.
  absl::Status Release();

  // Readable once the target has exited (a pidfd).
  int exit_fd() const { return exit_fd_.get(); }
  bool exited() const;

 private:
  Target(ProcessHandle handle, UniqueFd exit_fd,
         std::unique_ptr<HeldProcess> held);

  ProcessHandle handle_;
  UniqueFd exit_fd_;
  std::unique_ptr<HeldProcess> held_;
  std::string description_;
  std::string program_path_;
  std::vector<std::string> command_line_;
};

// Whether a /proc/PID/stat text is a kernel thread's (PF_KTHREAD in its
// flags, the ninth field). A kernel thread has no user memory, executable
// or maps to trace. Counts fields after the last ')', since the command
// name in parentheses may itself hold spaces and parentheses.
bool IsKernelThreadStat(absl::string_view stat);

// The fields of a /proc/PID/stat text after the command name, from the
// state (field 3) on; empty when the text has no name in parentheses.
std::vector<absl::string_view> StatFieldsAfterName(absl::string_view stat);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SESSION_TARGET_H_
