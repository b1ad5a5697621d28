#include "userspace/java/jvm_attach.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "userspace/common/unique_fd.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {
namespace {

constexpr absl::string_view kProtocolVersion = "1";
constexpr int kArgCount = 3;  // the listener reads exactly three arguments

// The JVM's socket and trigger file, reached through its root.
struct AttachPaths {
  std::string socket;   // /proc/PID/root/tmp/.java_pidNSPID
  std::string trigger;  // /proc/PID/root/tmp/.attach_pidNSPID
  uid_t uid = 0;        // the JVM's effective uid and gid
  gid_t gid = 0;
};

absl::StatusOr<AttachPaths> PathsOf(pid_t pid) {
  absl::StatusOr<ProcessHandle> handle = ProcessHandle::Open(pid);
  if (!handle.ok()) return handle.status();
  absl::StatusOr<int> ns_pid = handle->NamespacePid();
  if (!ns_pid.ok()) return ns_pid.status();
  struct stat st;
  const std::string proc = absl::StrCat("/proc/", pid);
  if (stat(proc.c_str(), &st) != 0) return absl::ErrnoToStatus(errno, proc);
  // By PID, not through the handle's descriptor: the child that connects
  // does not share our descriptors' lifetime, and the JVM lives on anyway.
  AttachPaths paths;
  paths.socket = absl::StrCat(proc, "/root/tmp/.java_pid", *ns_pid);
  paths.trigger = absl::StrCat(proc, "/root/tmp/.attach_pid", *ns_pid);
  paths.uid = st.st_uid;
  paths.gid = st.st_gid;
  return paths;
}

bool IsSocket(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// Starts the listener unless it runs: trigger file, then SIGQUIT (which a
// JVM without a trigger file takes as "print a thread dump").
absl::Status StartListener(pid_t pid, const AttachPaths& paths, absl::Time deadline) {
  if (IsSocket(paths.socket)) return absl::OkStatus();
  std::ifstream status_file(absl::StrCat("/proc/", pid, "/status"));
  std::stringstream status;
  status << status_file.rdbuf();
  if (!CatchesSignal(status.str(), SIGQUIT)) {
    return absl::UnavailableError(
        "the JVM does not catch SIGQUIT yet (it is still starting), so its attach listener "
        "cannot be started without killing it");
  }
  UniqueFd trigger(open(paths.trigger.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!trigger.valid()) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot create ", paths.trigger));
  }
  // The listener accepts a trigger owned by its own user (or root).
  (void)fchown(trigger.get(), paths.uid, paths.gid);
  trigger = UniqueFd();
  if (kill(pid, SIGQUIT) != 0) {
    unlink(paths.trigger.c_str());
    return absl::ErrnoToStatus(errno, "cannot signal the JVM");
  }
  while (!IsSocket(paths.socket)) {
    if (absl::Now() >= deadline) {
      unlink(paths.trigger.c_str());
      return absl::DeadlineExceededError(
          "the JVM started no attach listener (-XX:+DisableAttachMechanism?)");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  unlink(paths.trigger.c_str());
  return absl::OkStatus();
}

// Reads until EOF or the deadline.
absl::StatusOr<std::string> ReadAll(int fd, absl::Time deadline) {
  std::string out;
  char buf[8192];
  for (;;) {
    const int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0) return absl::DeadlineExceededError("the JVM did not answer in time");
    pollfd p = {fd, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(left_ms));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return absl::ErrnoToStatus(errno, "poll");
    if (rc == 0) continue;
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "read");
    if (n == 0) return out;
    out.append(buf, n);
  }
}

// In a child that takes the JVM's credentials: connect, send, copy the
// reply to `out_fd`. Exit codes: 0 sent and copied, 2 credentials, 3
// connect, 4 write.
[[noreturn]] void ConverseAs(const AttachPaths& paths, const std::string& request,
                             int out_fd) {
  if (setgroups(0, nullptr) != 0 || setresgid(paths.gid, paths.gid, paths.gid) != 0 ||
      setresuid(paths.uid, paths.uid, paths.uid) != 0) {
    _exit(2);
  }
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (s < 0 || paths.socket.size() >= sizeof(addr.sun_path)) _exit(3);
  memcpy(addr.sun_path, paths.socket.c_str(), paths.socket.size() + 1);
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) _exit(3);
  for (size_t done = 0; done < request.size();) {
    ssize_t n = write(s, request.data() + done, request.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(4);
    done += n;
  }
  char buf[8192];
  for (;;) {
    ssize_t n = read(s, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out_fd, buf + off, n - off);
      if (w <= 0) _exit(4);
      off += w;
    }
  }
  _exit(0);
}

}  // namespace

std::string AttachRequest(absl::string_view command,
                          const std::vector<std::string>& args) {
  std::string request = absl::StrCat(kProtocolVersion, absl::string_view("\0", 1),
                                     command, absl::string_view("\0", 1));
  for (int i = 0; i < kArgCount; ++i) {
    if (i < static_cast<int>(args.size())) request += args[i];
    request.push_back('\0');
  }
  return request;
}

absl::StatusOr<AttachReply> ParseAttachReply(absl::string_view reply) {
  const size_t nl = reply.find('\n');
  AttachReply parsed;
  if (!absl::SimpleAtoi(reply.substr(0, nl), &parsed.code)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the JVM answered without a result code: \"",
                     absl::CEscape(reply.substr(0, 80)), "\""));
  }
  if (nl != absl::string_view::npos) parsed.output = std::string(reply.substr(nl + 1));
  return parsed;
}

bool CatchesSignal(absl::string_view status, int sig) {
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, "SigCgt:")) continue;
    uint64_t mask = 0;
    return sig >= 1 && sig <= 64 &&
           absl::SimpleHexAtoi(absl::StripAsciiWhitespace(line), &mask) &&
           (mask >> (sig - 1)) & 1;
  }
  return false;
}

absl::StatusOr<std::string> RunJcmd(pid_t pid, absl::string_view jcmd_command,
                                    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<AttachPaths> paths = PathsOf(pid);
  if (!paths.ok()) return paths.status();
  absl::Status s = StartListener(pid, *paths, deadline);
  if (!s.ok()) return s;

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  UniqueFd from_child(pipe_fds[0]);
  UniqueFd to_parent(pipe_fds[1]);
  const std::string request = AttachRequest("jcmd", {std::string(jcmd_command)});
  pid_t child = fork();
  if (child < 0) return absl::ErrnoToStatus(errno, "fork");
  if (child == 0) ConverseAs(*paths, request, to_parent.get());
  to_parent = UniqueFd();
  absl::StatusOr<std::string> reply = ReadAll(from_child.get(), deadline);
  if (!reply.ok()) kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!reply.ok()) return reply.status();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return absl::FailedPreconditionError(
        code == 2   ? "cannot take the JVM's user to talk to it"
        : code == 3 ? absl::StrCat("cannot connect to ", paths->socket)
                    : "the JVM's attach socket failed while writing");
  }
  absl::StatusOr<AttachReply> parsed = ParseAttachReply(*reply);
  if (!parsed.ok()) return parsed.status();
  if (parsed->code != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        jcmd_command, " failed in the JVM: ",
        absl::StripAsciiWhitespace(parsed->output)));
  }
  return parsed->output;
}

}  // namespace allocprof
