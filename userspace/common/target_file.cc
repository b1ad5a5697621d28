#include "userspace/common/target_file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace allocprof {
namespace {

// O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, and
// the target can plant one wherever we look. O_NOCTTY: a terminal device
// must not become ours.
constexpr uint64_t kOpenFlags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

int OpenForReading(int dirfd, const std::string& path, uint64_t resolve) {
  return OpenAt2(dirfd, path.c_str(), kOpenFlags, 0, resolve);
}

absl::Status OpenError(int err, absl::string_view path) {
  std::string message = absl::StrCat("cannot open ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case ELOOP:
    case EXDEV:  // a magic link or a mount crossing refused by RESOLVE_*
      return absl::FailedPreconditionError(message);
    default:
      return absl::ErrnoToStatus(err, absl::StrCat("cannot open ", path));
  }
}

}  // namespace

int OpenAt2(int dir_fd, const char* path, uint64_t flags, uint64_t mode,
            uint64_t resolve) {
  struct open_how how;
  std::memset(&how, 0, sizeof(how));
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  for (;;) {
    long fd = syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
    // EAGAIN: a rename raced with RESOLVE_IN_ROOT's lookup; try again.
    if (fd < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    return static_cast<int>(fd);
  }
}

absl::StatusOr<UniqueFd> OpenTargetFile(absl::string_view path, uint64_t max_bytes) {
  UniqueFd fd;
  absl::string_view rest = path;
  int dirfd = -1;
  if (absl::ConsumePrefix(&rest, "/proc/self/fd/")) {
    size_t slash = rest.find('/');
    absl::string_view number = rest.substr(0, slash);
    if (!absl::SimpleAtoi(number, &dirfd) || dirfd < 0) dirfd = -1;
    if (dirfd >= 0) rest = slash == absl::string_view::npos ? "" : rest.substr(slash);
  }
  if (dirfd >= 0 && !rest.empty()) {
    // Inside a target's root: "/" and ".." stop at the root, symlinks are
    // resolved there, and /proc/*/fd links (which could lead anywhere)
    // are not followed.
    fd.Reset(OpenForReading(dirfd, std::string(rest), RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
  } else if (dirfd >= 0) {
    // One of our own descriptors, named as itself: following that one
    // magic link is the point. It must lead to a regular file (below), so
    // the root directory fd itself is refused.
    fd.Reset(OpenForReading(AT_FDCWD, std::string(path), 0));
  } else {
    fd.Reset(OpenForReading(AT_FDCWD, std::string(path), RESOLVE_NO_MAGICLINKS));
  }
  if (!fd.valid()) return OpenError(errno, path);

  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot stat ", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  }
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > max_bytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is too large (", st.st_size, " bytes; at most ", max_bytes,
                     " read)"));
  }
  // Readers expect blocking reads; on a regular file the flag changes
  // nothing but what a later fcntl() reports.
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot set up ", path));
  }
  return fd;
}

absl::StatusOr<std::string> ReadTargetFile(absl::string_view path, uint64_t max_bytes) {
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(path, max_bytes);
  if (!fd.ok()) return fd.status();
  std::string text;
  char buf[65536];
  // One byte past the cap tells a file that grew since fstat from one
  // that is exactly at it.
  const uint64_t limit = max_bytes == UINT64_MAX ? max_bytes : max_bytes + 1;
  while (text.size() < limit) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof(buf), limit - text.size()));
    ssize_t n = ::read(fd->get(), buf, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  if (text.size() > max_bytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " grew past ", max_bytes, " bytes while being read"));
  }
  return text;
}

std::string FdPath(const UniqueFd& fd) { return absl::StrCat("/proc/self/fd/", fd.get()); }

}  // namespace allocprof
