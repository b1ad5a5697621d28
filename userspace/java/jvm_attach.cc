#include "userspace/java/jvm_attach.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "userspace/common/target_file.h"
#include "userspace/common/unique_fd.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {
namespace {

constexpr absl::string_view kProtocolVersion = "1";
constexpr int kArgCount = 3;  // the listener reads exactly three arguments
// HotSpot on Linux looks for the trigger and puts its socket in /tmp, not
// $TMPDIR (os::get_temp_directory()).
constexpr char kTmpDir[] = "tmp";
// A perf map request answers with a line or two; a longer reply is not
// one we asked for.
constexpr absl::Duration kReplyTimeout = absl::Seconds(5);
constexpr size_t kReplyCap = 64 * 1024;

// Lookups in the target's file system stay inside its root and follow no
// link it may have planted: a symlink there would otherwise be resolved
// with our privileges and, for an absolute one, against our root.
constexpr uint64_t kResolveInTarget =
    RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

int PidfdSignal(int pidfd, int sig) {
  return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// Exit codes of a child that acts as the JVM's user.
enum ChildExit : int {
  kChildOk = 0,
  kChildCredentials = 2,
  kChildConnect = 3,
  kChildWrite = 4,
  kChildNotOurSocket = 5,
};

// The JVM as the attach steps need it, through its pinned descriptors.
struct JvmTarget {
  pid_t pid = 0;
  int ns_pid = 0;
  uid_t uid = 0;  // the JVM's effective uid and gid
  gid_t gid = 0;
  std::string status;  // /proc/PID/status when opened
  int pidfd = -1;      // the caller's
  UniqueFd root;  // /proc/PID/root, O_PATH
  UniqueFd tmp;   // its /tmp, resolved inside root without links, O_PATH
  std::string trigger_name;  // .attach_pidNSPID
  std::string socket_name;   // .java_pidNSPID
};

// The effective id (second field) of a "Uid:" or "Gid:" line.
bool EffectiveId(absl::string_view status, absl::string_view key, uint32_t* id) {
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, key)) continue;
    std::vector<absl::string_view> ids =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    return ids.size() >= 2 && absl::SimpleAtoi(ids[1], id);
  }
  return false;
}

absl::StatusOr<JvmTarget> OpenTarget(const ProcessHandle& process, int pidfd) {
  JvmTarget t;
  const pid_t pid = process.pid();
  t.pid = pid;
  t.pidfd = pidfd;
  // A pidfd is readable once its process has exited, reaped or not; one
  // that exits from now on fails the reads and signals below.
  if (pollfd p = {pidfd, POLLIN, 0}; poll(&p, 1, 0) == 1) {
    return absl::NotFoundError(absl::StrCat("the JVM (PID ", pid, ") has exited"));
  }
  absl::StatusOr<std::string> status = process.ReadProcFile("status");
  if (!status.ok()) return status.status();
  t.status = *std::move(status);
  absl::StatusOr<int> ns_pid = ParseNamespacePid(t.status, pid);
  if (!ns_pid.ok()) return ns_pid.status();
  t.ns_pid = *ns_pid;
  uint32_t uid = 0, gid = 0;
  if (!EffectiveId(t.status, "Uid:", &uid) || !EffectiveId(t.status, "Gid:", &gid)) {
    return absl::InvalidArgumentError(
        absl::StrCat("no Uid:/Gid: lines in /proc/", pid, "/status"));
  }
  t.uid = uid;
  t.gid = gid;
  const std::string root = absl::StrCat("/proc/", pid, "/root");  // for messages
  absl::StatusOr<UniqueFd> root_fd = process.OpenProcFile("root", O_PATH | O_DIRECTORY);
  if (!root_fd.ok()) return root_fd.status();
  t.root = *std::move(root_fd);
  t.tmp = UniqueFd(OpenAt2(t.root.get(), kTmpDir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                           kResolveInTarget));
  if (!t.tmp.valid()) {
    const int err = errno;
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot open the JVM's /tmp (", root, "/tmp), which must be a directory and not a link: ",
        std::strerror(err)));
  }
  t.trigger_name = absl::StrCat(".attach_pid", t.ns_pid);
  t.socket_name = absl::StrCat(".java_pid", t.ns_pid);
  return t;
}

bool IsSocketIn(int dir_fd, const std::string& name) {
  struct stat st;
  return fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode);
}

// Runs `body` in a child that has become `uid`/`gid` and returns its exit
// code, or -1 when it died of a signal. `body` runs between fork and
// _exit, so it makes system calls only.
absl::StatusOr<int> RunAsUser(uid_t uid, gid_t gid, const std::function<int()>& body,
                              absl::Time deadline) {
  pid_t child = fork();
  if (child < 0) return absl::ErrnoToStatus(errno, "fork");
  if (child == 0) {
    if (DropToUser(uid, gid) != 0) _exit(kChildCredentials);
    _exit(body());
  }
  int status = 0;
  for (;;) {
    pid_t r = waitpid(child, &status, WNOHANG);
    if (r == child) break;
    if (r < 0 && errno != EINTR) return absl::ErrnoToStatus(errno, "waitpid");
    if (absl::Now() >= deadline) {
      kill(child, SIGKILL);
      while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
      }
      return absl::DeadlineExceededError("a step of attaching to the JVM did not finish in time");
    }
    absl::SleepFor(absl::Milliseconds(2));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Starts the listener unless it runs: trigger file, then SIGQUIT (which a
// JVM without a trigger file takes as "print a thread dump").
absl::Status StartListener(const JvmTarget& t, absl::Time deadline) {
  if (IsSocketIn(t.tmp.get(), t.socket_name)) return absl::OkStatus();
  if (!CatchesSignal(t.status, SIGQUIT)) {
    return absl::UnavailableError(
        "the JVM does not catch SIGQUIT yet (it is still starting), so its attach listener "
        "cannot be started without killing it");
  }
  // The trigger is made by a child with the JVM's own credentials, so no
  // link or permission in the JVM's /tmp can make us create or own a file
  // its user could not. The listener accepts a trigger owned by its user.
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  UniqueFd from_child(pipe_fds[0]);
  UniqueFd to_parent(pipe_fds[1]);
  const int root_fd = t.root.get();
  const int err_fd = to_parent.get();
  const std::string path = absl::StrCat(kTmpDir, "/", t.trigger_name);
  absl::StatusOr<int> created = RunAsUser(
      t.uid, t.gid,
      [&]() -> int {
        AttachTriggerResult r = CreateAttachTrigger(root_fd, path.c_str(), t.uid);
        ssize_t unused = write(err_fd, &r, sizeof(r));
        (void)unused;
        return kChildOk;
      },
      deadline);
  to_parent = UniqueFd();
  if (!created.ok()) return created.status();
  AttachTriggerResult result;
  if (*created != kChildOk ||
      read(from_child.get(), &result, sizeof(result)) != sizeof(result)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot take the JVM's user (uid ", t.uid, ", gid ", t.gid, ") to start its attach listener"));
  }
  if (result.outcome == AttachTriggerResult::kRefused) {
    return absl::PermissionDeniedError(absl::StrCat(
        "/proc/", t.pid, "/root/", path, " exists and is not a regular file owned by uid ", t.uid,
        "; not using it"));
  }
  if (result.outcome == AttachTriggerResult::kFailed) {
    return absl::ErrnoToStatus(result.err, absl::StrCat("cannot create /proc/", t.pid, "/root/",
                                                        path, " as uid ", t.uid));
  }
  const bool we_created = result.outcome == AttachTriggerResult::kCreated;
  auto remove_trigger = [&] {
    if (!we_created) return;
    const int tmp_fd = t.tmp.get();
    const char* name = t.trigger_name.c_str();
    (void)RunAsUser(
        t.uid, t.gid, [&]() -> int { return unlinkat(tmp_fd, name, 0) == 0 ? 0 : 1; },
        absl::Now() + absl::Seconds(1));
  };
  // Through the pidfd: should the JVM have exited, its PID may belong to
  // another process by now, which must not get a SIGQUIT.
  if (PidfdSignal(t.pidfd, SIGQUIT) != 0) {
    const int err = errno;
    remove_trigger();
    if (err == ESRCH) return absl::NotFoundError("the JVM exited while attaching");
    return absl::ErrnoToStatus(err, "cannot signal the JVM");
  }
  while (!IsSocketIn(t.tmp.get(), t.socket_name)) {
    if (absl::Now() >= deadline) {
      remove_trigger();
      return absl::DeadlineExceededError(
          "the JVM started no attach listener (-XX:+DisableAttachMechanism?)");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  remove_trigger();
  return absl::OkStatus();
}

// In a child that takes the JVM's credentials: connect, send, copy the
// reply to `out_fd`.
[[noreturn]] void ConverseAs(const JvmTarget& t, const std::string& socket_path,
                             const std::string& request, int out_fd) {
  if (DropToUser(t.uid, t.gid) != 0) _exit(kChildCredentials);
  // The socket is the JVM's only if its user made it; a link there would be
  // followed by connect().
  struct stat st;
  if (fstatat(t.tmp.get(), t.socket_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISSOCK(st.st_mode) || st.st_uid != t.uid) {
    _exit(kChildNotOurSocket);
  }
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (s < 0 || socket_path.size() >= sizeof(addr.sun_path)) _exit(kChildConnect);
  memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) _exit(kChildConnect);
  for (size_t done = 0; done < request.size();) {
    ssize_t n = write(s, request.data() + done, request.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(kChildWrite);
    done += n;
  }
  char buf[8192];
  for (;;) {
    ssize_t n = read(s, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out_fd, buf + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) _exit(kChildWrite);
      off += w;
    }
  }
  _exit(kChildOk);
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

int DropToUser(uid_t uid, gid_t gid) {
  if (setgroups(0, nullptr) != 0) return errno;
  if (setresgid(gid, gid, gid) != 0) return errno;
  if (setresuid(uid, uid, uid) != 0) return errno;
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0) return errno;
  if (ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid || sgid != gid) {
    return EPERM;
  }
  if (getgroups(0, nullptr) != 0) return EPERM;
  // Dropping from root to another user also clears the capabilities; a
  // process that kept them could take root back, which must fail.
  if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) return EPERM;
  return 0;
}

AttachTriggerResult CreateAttachTrigger(int root_fd, const char* path, uid_t owner) {
  AttachTriggerResult r;
  int fd = OpenAt2(root_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600,
                   kResolveInTarget);
  if (fd >= 0) {
    close(fd);
    r.outcome = AttachTriggerResult::kCreated;
    return r;
  }
  if (errno != EEXIST) {
    r.outcome = AttachTriggerResult::kFailed;
    r.err = errno;
    return r;
  }
  // Someone made it first (another attacher, or a planted file): usable
  // only if it is what we would have made.
  const char* slash = strrchr(path, '/');
  int dir_fd = root_fd;
  const char* name = path;
  char dir[PATH_MAX];
  if (slash != nullptr) {
    const size_t len = static_cast<size_t>(slash - path);
    if (len >= sizeof(dir)) {
      r.outcome = AttachTriggerResult::kFailed;
      r.err = ENAMETOOLONG;
      return r;
    }
    memcpy(dir, path, len);
    dir[len] = '\0';
    dir_fd = OpenAt2(root_fd, len == 0 ? "/" : dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                     kResolveInTarget);
    name = slash + 1;
    if (dir_fd < 0) {
      r.outcome = AttachTriggerResult::kFailed;
      r.err = errno;
      return r;
    }
  }
  struct stat st;
  const bool ours = fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISREG(st.st_mode) && st.st_uid == owner;
  if (dir_fd != root_fd) close(dir_fd);
  r.outcome = ours ? AttachTriggerResult::kExisted : AttachTriggerResult::kRefused;
  return r;
}

absl::StatusOr<std::string> ReadReply(int fd, absl::Time deadline, size_t cap) {
  std::string out;
  char buf[8192];
  for (;;) {
    const int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0) return absl::DeadlineExceededError("the JVM did not answer in time");
    pollfd p = {fd, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return absl::ErrnoToStatus(errno, "poll");
    if (rc == 0) continue;
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "read");
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > cap) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the JVM's reply is longer than ", cap, " bytes; not reading it"));
    }
    out.append(buf, n);
  }
}

absl::StatusOr<std::string> RunJcmd(const ProcessHandle& process, int pidfd,
                                    absl::string_view jcmd_command, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<JvmTarget> target = OpenTarget(process, pidfd);
  if (!target.ok()) return target.status();
  absl::Status s = StartListener(*target, deadline);
  if (!s.ok()) return s;

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  UniqueFd from_child(pipe_fds[0]);
  UniqueFd to_parent(pipe_fds[1]);
  const std::string request = AttachRequest("jcmd", {std::string(jcmd_command)});
  // Through the /tmp descriptor, resolved without links inside the JVM's
  // root: the path /proc/PID/root/tmp/... would follow a link in its /tmp
  // to a socket of our own root.
  const std::string socket_path =
      absl::StrCat("/proc/self/fd/", target->tmp.get(), "/", target->socket_name);
  pid_t child = fork();
  if (child < 0) return absl::ErrnoToStatus(errno, "fork");
  if (child == 0) ConverseAs(*target, socket_path, request, to_parent.get());
  to_parent = UniqueFd();
  absl::StatusOr<std::string> reply = ReadReply(
      from_child.get(), std::min(deadline, absl::Now() + kReplyTimeout), kReplyCap);
  if (!reply.ok()) kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!reply.ok()) return reply.status();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != kChildOk) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    const std::string socket =
        absl::StrCat("/proc/", target->pid, "/root/tmp/", target->socket_name);
    switch (code) {
      case kChildCredentials:
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot take the JVM's user (uid ", target->uid, ") to talk to it"));
      case kChildNotOurSocket:
        return absl::FailedPreconditionError(absl::StrCat(
            socket, " is not a socket owned by the JVM's user (uid ", target->uid,
            "); not connecting to it"));
      case kChildConnect:
        return absl::FailedPreconditionError(absl::StrCat("cannot connect to ", socket));
      default:
        return absl::FailedPreconditionError("the JVM's attach socket failed while writing");
    }
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
