#include "userspace/session/target.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "userspace/common/printable.h"

namespace allocprof {
namespace {

absl::StatusOr<UniqueFd> OpenPidfd(pid_t pid) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    if (errno == ESRCH) {
      return absl::NotFoundError(absl::StrCat("no process with PID ", pid));
    }
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot watch PID ", pid));
  }
  return UniqueFd(fd);
}

// include/linux/sched.h; part of the user ABI through /proc/PID/stat.
constexpr uint64_t kPfKthread = 0x00200000;

}  // namespace

std::vector<absl::string_view> StatFieldsAfterName(absl::string_view stat) {
  const size_t paren = stat.rfind(')');
  if (paren == absl::string_view::npos) return {};
  return absl::StrSplit(stat.substr(paren + 1), ' ', absl::SkipEmpty());
}

bool IsKernelThreadStat(absl::string_view stat) {
  const std::vector<absl::string_view> fields = StatFieldsAfterName(stat);
  // After the name: state (3), ppid, pgrp, session, tty_nr, tpgid, flags (9).
  uint64_t flags = 0;
  return fields.size() > 6 && absl::SimpleAtoi(fields[6], &flags) && (flags & kPfKthread) != 0;
}

Target::Target(ProcessHandle handle, UniqueFd exit_fd,
               std::unique_ptr<HeldProcess> held)
    : handle_(std::move(handle)),
      exit_fd_(std::move(exit_fd)),
      held_(std::move(held)) {
  // The name is the target's to choose (prctl(PR_SET_NAME)) and the
  // description goes to the terminal in every message: escaped once here.
  auto comm = handle_.ReadProcFile("comm");
  description_ = absl::StrCat(
      "PID ", handle_.pid(),
      comm.ok()
          ? absl::StrCat(" (", Printable(absl::StripTrailingAsciiWhitespace(*comm)), ")")
          : "");
  if (auto exe = handle_.ReadProcLink("exe"); exe.ok()) program_path_ = *std::move(exe);
  if (auto cmdline = handle_.ReadProcFile("cmdline"); cmdline.ok()) {
    command_line_ = absl::StrSplit(*cmdline, '\0', absl::SkipEmpty());
  }
}

Target::~Target() {
  // Reap a command we started, so it does not linger as a zombie; one that
  // still runs (allocprof was stopped first) is left running.
  if (held_) waitpid(handle_.pid(), nullptr, WNOHANG);
}

absl::StatusOr<std::unique_ptr<Target>> Target::Existing(pid_t pid) {
  if (pid <= 0) return absl::InvalidArgumentError(absl::StrCat("invalid PID ", pid));
  if (pid == getpid()) return absl::InvalidArgumentError("cannot trace allocprof itself");
  auto exit_fd = OpenPidfd(pid);
  if (!exit_fd.ok()) return exit_fd.status();
  auto handle = ProcessHandle::Open(pid);
  if (!handle.ok()) return handle.status();
  // Alive after its /proc entry was opened, so that entry is the pidfd's
  // process and not one that took its PID in between.
  if (pollfd p = {exit_fd->get(), POLLIN, 0}; poll(&p, 1, 0) == 1) {
    return absl::NotFoundError(absl::StrCat("PID ", pid, " exited while allocprof was attaching"));
  }
  // Said now: later its empty maps would read as a process that has exited.
  if (auto stat = handle->ReadProcFile("stat"); stat.ok() && IsKernelThreadStat(*stat)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PID ", pid, " is a kernel thread: it has no user memory to trace"));
  }
  return std::unique_ptr<Target>(
      new Target(std::move(*handle), std::move(*exit_fd), nullptr));
}

absl::StatusOr<std::unique_ptr<Target>> Target::Launch(
    const std::vector<std::string>& argv) {
  auto held = HeldProcess::Start(argv);
  if (!held.ok()) return held.status();
  pid_t pid = (*held)->pid();
  auto exit_fd = OpenPidfd(pid);
  if (!exit_fd.ok()) return exit_fd.status();
  auto handle = ProcessHandle::Open(pid);
  if (!handle.ok()) return handle.status();
  return std::unique_ptr<Target>(
      new Target(std::move(*handle), std::move(*exit_fd), std::move(*held)));
}

absl::Status Target::WaitForLoader() {
  return held_ ? held_->RunToEntry() : absl::OkStatus();
}

bool Target::exited() const {
  pollfd p = {exit_fd_.get(), POLLIN, 0};
  return poll(&p, 1, 0) == 1;
}

absl::Status Target::Release() {
  return held_ ? held_->Release() : absl::OkStatus();
}

}  // namespace allocprof
