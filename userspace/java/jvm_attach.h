// HotSpot's dynamic attach protocol, as jcmd speaks it, without jcmd: a
// running JVM with default flags starts its attach listener when it finds a
// trigger file and gets SIGQUIT, then answers requests on a unix socket.
//
//   1. /tmp/.java_pidNSPID exists once the listener runs; if not, create
//      /tmp/.attach_pidNSPID and send SIGQUIT, then wait for the socket.
//   2. Connect with the JVM's own uid and gid (the listener checks its
//      peer's credentials), write "1\0" (protocol version), the command and
//      three arguments, each NUL-terminated, and read the reply: a result
//      code line ("0" for success), then the command's output.
//
// Paths are the target's, reached through /proc/PID/root, so a JVM in a
// container is attached in its own /tmp; NSPID is its PID in its namespace.
//
// The JVM's /tmp is its user's to fill with links, so everything done
// there is done by a child that has become that user, with lookups that
// stay inside the JVM's root and follow no link; we (root) only look. The
// JVM is read through its ProcessHandle and signalled through its pidfd,
// both taken when tracing began, so once it has exited its PID, whoever
// has it now, is never read, attached to or signalled.
#ifndef ALLOCPROF_USERSPACE_JAVA_JVM_ATTACH_H_
#define ALLOCPROF_USERSPACE_JAVA_JVM_ATTACH_H_

#include <sys/types.h>

#include <cstddef>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {

// The request bytes for `command` and up to three arguments.
std::string AttachRequest(absl::string_view command,
                          const std::vector<std::string>& args);

// A reply split into its result code and the rest. InvalidArgument when it
// has no result code line.
struct AttachReply {
  int code = -1;
  std::string output;
};
absl::StatusOr<AttachReply> ParseAttachReply(absl::string_view reply);

// Whether the process whose /proc/PID/status is `status` catches signal
// `sig` (its SigCgt mask). A JVM catches SIGQUIT once its signal handlers
// are in place, unless it runs with -Xrs; SIGQUIT to one that does not
// kills it, so the listener is only ever started in one that does.
bool CatchesSignal(absl::string_view status, int sig);

// Turns the calling process into `uid`/`gid` with no supplementary
// groups, for good: returns 0, or an errno value when any step failed or
// root could be taken back. Meant for a child about to act for the target.
int DropToUser(uid_t uid, gid_t gid);

// Creates the attach trigger `path` (relative, e.g. "tmp/.attach_pid42")
// inside the directory tree `root_fd` as the caller, who should be the
// JVM's user: exclusively, mode 0600, resolved inside `root_fd` with no
// symbolic or magic link followed. A file already there is accepted only
// when it is a regular file owned by `owner`. Makes system calls only, so
// it may run between fork() and _exit().
struct AttachTriggerResult {
  enum Outcome : int { kCreated, kExisted, kRefused, kFailed };
  Outcome outcome = kFailed;
  int err = 0;  // errno, for kFailed
};
AttachTriggerResult CreateAttachTrigger(int root_fd, const char* path, uid_t owner);

// Reads `fd` to its end, waiting until `deadline` at most (DeadlineExceeded)
// and reading no more than `cap` bytes (ResourceExhausted beyond).
absl::StatusOr<std::string> ReadReply(int fd, absl::Time deadline, size_t cap);

// Runs `jcmd_command` (e.g. "Compiler.perfmap") in the JVM `process`
// holds, whose pidfd is `pidfd`, through the attach listener and returns
// its output. Fails with the JVM's own message when the command fails,
// NotFound once the JVM has exited, DeadlineExceeded when it does not
// answer within `timeout` (a JVM started with -XX:+DisableAttachMechanism
// never does).
absl::StatusOr<std::string> RunJcmd(const ProcessHandle& process, int pidfd,
                                    absl::string_view jcmd_command, absl::Duration timeout);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_JVM_ATTACH_H_
