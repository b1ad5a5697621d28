#include "userspace/attach/held_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/auxv.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace allocprof {

absl::StatusOr<std::unique_ptr<HeldProcess>> HeldProcess::Start(
    const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("no command given");
  // The child reports a failed exec through this pipe; a successful exec
  // closes it (O_CLOEXEC), so the parent reads EOF.
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe");

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    close(report[0]);
    // allocprof blocks SIGINT and SIGTERM to read them from a signalfd; the
    // command must start with the ordinary defaults.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Stop at the exec until the tracer attached the probes.
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    execvp(args[0], args.data());
    int err = errno;
    (void)!write(report[1], &err, sizeof(err));
    _exit(127);
  }
  close(report[1]);
  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(report[0], &exec_errno, sizeof(exec_errno));
  } while (n < 0 && errno == EINTR);
  close(report[0]);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (n == sizeof(exec_errno)) {
    return absl::ErrnoToStatus(exec_errno,
                               absl::StrCat("cannot execute ", argv[0]));
  }
  if (!WIFSTOPPED(status)) {
    return absl::InternalError(absl::StrCat(argv[0], " did not start"));
  }
  std::unique_ptr<HeldProcess> held(new HeldProcess(pid));
  // EXITKILL: if allocprof dies while holding it, the command dies too
  // instead of staying stopped forever.
  ptrace(PTRACE_SETOPTIONS, pid, nullptr,
         PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
  return held;
}

HeldProcess::~HeldProcess() {
  if (released_) return;
  kill(pid_, SIGKILL);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

namespace {

// The executable's entry point from the kernel's auxiliary vector. By PID:
// the command is our child, stopped under ptrace and not reaped, so the
// PID cannot have passed to another process.
absl::StatusOr<uint64_t> EntryPoint(pid_t pid) {
  int fd = open(absl::StrCat("/proc/", pid, "/auxv").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "cannot read the command's auxv");
  uint64_t pair[2];
  uint64_t entry = 0;
  while (read(fd, pair, sizeof(pair)) == sizeof(pair) && pair[0] != AT_NULL) {
    if (pair[0] == AT_ENTRY) entry = pair[1];
  }
  close(fd);
  if (entry == 0) return absl::InternalError("the command has no entry point");
  return entry;
}

}  // namespace

absl::Status HeldProcess::RunToEntry() {
  auto entry = EntryPoint(pid_);
  if (!entry.ok()) return entry.status();
  errno = 0;
  const long original = ptrace(PTRACE_PEEKTEXT, pid_, *entry, nullptr);
  if (errno != 0) return absl::ErrnoToStatus(errno, "cannot read the entry point");
  const long trap = (original & ~0xffL) | 0xcc;  // int3
  if (ptrace(PTRACE_POKETEXT, pid_, *entry, trap) != 0) {
    return absl::ErrnoToStatus(errno, "cannot set a breakpoint at the entry point");
  }
  while (true) {
    if (ptrace(PTRACE_CONT, pid_, nullptr, pending_signal_) != 0) {
      return absl::ErrnoToStatus(errno, "ptrace");
    }
    pending_signal_ = 0;
    int status = 0;
    if (waitpid(pid_, &status, 0) < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, "waitpid");
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      released_ = true;  // nothing left to kill
      return absl::FailedPreconditionError(
          "the command exited while its libraries were loading");
    }
    if (!WIFSTOPPED(status)) continue;
    user_regs_struct regs;
    if (WSTOPSIG(status) == SIGTRAP &&
        ptrace(PTRACE_GETREGS, pid_, nullptr, &regs) == 0 &&
        regs.rip == *entry + 1) {
      // Put the instruction back and run it when released.
      regs.rip = *entry;
      if (ptrace(PTRACE_POKETEXT, pid_, *entry, original) != 0 ||
          ptrace(PTRACE_SETREGS, pid_, nullptr, &regs) != 0) {
        return absl::ErrnoToStatus(errno, "cannot remove the entry breakpoint");
      }
      return absl::OkStatus();
    }
    // A signal for the command: deliver it when it resumes.
    pending_signal_ = WSTOPSIG(status);
  }
}

absl::Status HeldProcess::Release() {
  if (released_) return absl::OkStatus();
  if (ptrace(PTRACE_DETACH, pid_, nullptr, pending_signal_) != 0) {
    return absl::ErrnoToStatus(errno, "cannot release the command");
  }
  released_ = true;
  return absl::OkStatus();
}

}  // namespace allocprof
