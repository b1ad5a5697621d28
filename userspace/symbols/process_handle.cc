#include "userspace/symbols/process_handle.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace allocprof {
namespace {

absl::Status ErrnoStatus(int err, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ESRCH:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

absl::StatusOr<ProcessHandle> ProcessHandle::Open(int pid) {
  if (pid <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid PID ", pid));
  }
  std::string dir = absl::StrCat("/proc/", pid);
  UniqueFd proc_dir(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc_dir.valid()) {
    int err = errno;
    if (err == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("cannot open ", dir, ": no such process"));
    }
    return ErrnoStatus(err, absl::StrCat("cannot open ", dir));
  }
  // O_PATH is enough: the fd is only ever a starting point for lookups.
  UniqueFd root_dir(
      ::openat(proc_dir.get(), "root", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_dir.valid()) {
    return ErrnoStatus(errno, absl::StrCat("cannot open ", dir, "/root"));
  }
  return ProcessHandle(pid, std::move(proc_dir), std::move(root_dir));
}

absl::StatusOr<ProcessHandle> ProcessHandle::Duplicate() const {
  UniqueFd proc_dir(::fcntl(proc_dir_.get(), F_DUPFD_CLOEXEC, 0));
  UniqueFd root_dir(proc_dir.valid() ? ::fcntl(root_dir_.get(), F_DUPFD_CLOEXEC, 0) : -1);
  if (!root_dir.valid()) {
    return ErrnoStatus(errno, absl::StrCat("cannot duplicate the handle of PID ", pid_));
  }
  return ProcessHandle(pid_, std::move(proc_dir), std::move(root_dir));
}

absl::StatusOr<UniqueFd> ProcessHandle::OpenProcFile(absl::string_view name,
                                                     int flags) const {
  std::string relative(name);
  UniqueFd fd(::openat(proc_dir_.get(), relative.c_str(), flags | O_CLOEXEC));
  if (!fd.valid()) {
    return ErrnoStatus(errno,
                       absl::StrCat("cannot open /proc/", pid_, "/", name));
  }
  return fd;
}

absl::StatusOr<std::string> ProcessHandle::ReadProcFile(
    absl::string_view name) const {
  absl::StatusOr<UniqueFd> fd = OpenProcFile(name, O_RDONLY);
  if (!fd.ok()) return fd.status();
  // /proc files report size 0; read until end of file.
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd->get(), buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno,
                         absl::StrCat("cannot read /proc/", pid_, "/", name));
    }
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

absl::StatusOr<std::string> ProcessHandle::ReadProcLink(absl::string_view name) const {
  const std::string relative(name);
  char target[4096];
  const ssize_t n = ::readlinkat(proc_dir_.get(), relative.c_str(), target, sizeof(target));
  if (n < 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot read the link /proc/", pid_, "/", name));
  }
  if (static_cast<size_t>(n) == sizeof(target)) {
    return absl::OutOfRangeError(
        absl::StrCat("the link /proc/", pid_, "/", name, " is too long"));
  }
  return std::string(target, static_cast<size_t>(n));
}

absl::StatusOr<TargetMemory> ProcessHandle::OpenMemory() const {
  return TargetMemory::Open(proc_dir_.get(), absl::StrCat("/proc/", pid_));
}

std::string ProcessHandle::RootPath(absl::string_view path) const {
  // The magic link /proc/self/fd/N resolves to the directory the fd holds,
  // so the rest of the path is looked up in the target's mount namespace.
  return absl::StrCat("/proc/self/fd/", root_dir_.get(),
                      absl::StartsWith(path, "/") ? "" : "/", path);
}

absl::StatusOr<bool> ProcessHandle::SharesOurMountNamespace() const {
  // Namespaces are the same when their nsfs inodes are.
  struct stat theirs, ours;
  if (::fstatat(proc_dir_.get(), "ns/mnt", &theirs, 0) != 0) {
    return ErrnoStatus(errno,
                       absl::StrCat("cannot stat /proc/", pid_, "/ns/mnt"));
  }
  if (::stat("/proc/self/ns/mnt", &ours) != 0) {
    return ErrnoStatus(errno, "cannot stat /proc/self/ns/mnt");
  }
  return theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

absl::StatusOr<int> ProcessHandle::NamespacePid() const {
  absl::StatusOr<std::string> status = ReadProcFile("status");
  if (!status.ok()) return status.status();
  return ParseNamespacePid(*status, pid_);
}

absl::StatusOr<int> ParseNamespacePid(absl::string_view status, int pid) {
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, "NSpid:")) continue;
    // One PID per nested namespace, outermost first.
    std::vector<absl::string_view> pids =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int inner = 0;
    if (pids.empty() || !absl::SimpleAtoi(pids.back(), &inner) || inner <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed NSpid line in /proc/", pid, "/status: \"",
                       line, "\""));
    }
    return inner;
  }
  return pid;
}

}  // namespace allocprof
