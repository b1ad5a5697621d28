#include "userspace/outputs/replace_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {
namespace {

// "dir/name" -> {"dir", "name"}; "name" -> {".", "name"}; "/name" -> {"/", "name"}.
std::pair<std::string, std::string> SplitPath(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

absl::Status Refuse(absl::string_view what, const std::string& path, absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat("cannot write ", what, " ", path, ": ", why));
}

// The checks of CheckReplaceable against the directory open as `dir_fd`.
absl::Status CheckIn(int dir_fd, absl::string_view what, const std::string& path,
                     const std::string& dir, const std::string& name) {
  if (name.empty() || name == "." || name == "..") {
    return Refuse(what, path, "the path names a directory, not a file");
  }
  struct stat dir_st;
  if (fstat(dir_fd, &dir_st) != 0) return Refuse(what, path, std::strerror(errno));
  // A read-only file system says so even to root.
  if (faccessat(dir_fd, ".", W_OK | X_OK, AT_EACCESS) != 0) {
    return Refuse(what, path, absl::StrCat("directory ", dir, " is not writable (",
                                           std::strerror(errno), ")"));
  }
  struct stat st;
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return Refuse(what, path, std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return Refuse(what, path, "is a directory");
  if (S_ISLNK(st.st_mode)) {
    // A link is replaced, not followed; but one to a device or pipe
    // (/dev/stdout) was meant to be written through, which we do not do.
    struct stat target;
    if (fstatat(dir_fd, name.c_str(), &target, 0) == 0 && !S_ISREG(target.st_mode)) {
      return Refuse(what, path, "a symbolic link to something that is not a regular file");
    }
  } else if (!S_ISREG(st.st_mode)) {
    return Refuse(what, path, "not a regular file");
  }
  // In /tmp and its like the sticky bit keeps users from replacing each
  // other's files; root is exempt, so we keep the rule ourselves.
  const bool shared = (dir_st.st_mode & S_ISVTX) && (dir_st.st_mode & S_IWOTH);
  if (shared && st.st_uid != geteuid()) {
    return Refuse(what, path,
                  absl::StrCat("it belongs to uid ", st.st_uid, " in the shared (sticky) directory ",
                               dir, ", and another user's file there is not replaced; "
                               "choose another name"));
  }
  return absl::OkStatus();
}

absl::StatusOr<UniqueFd> OpenDir(absl::string_view what, const std::string& path,
                                 const std::string& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return Refuse(what, path, absl::StrCat("directory ", dir, ": ", std::strerror(errno)));
  }
  return fd;
}

absl::Status WriteAll(int fd, absl::string_view contents) {
  while (!contents.empty()) {
    ssize_t n = write(fd, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::ErrnoToStatus(n < 0 ? errno : EIO, "write");
    contents.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckReplaceable(absl::string_view what, const std::string& path) {
  if (path.empty()) return Refuse(what, path, "empty file name");
  auto [dir, name] = SplitPath(path);
  absl::StatusOr<UniqueFd> dir_fd = OpenDir(what, path, dir);
  if (!dir_fd.ok()) return dir_fd.status();
  return CheckIn(dir_fd->get(), what, path, dir, name);
}

absl::Status ReplaceFile(absl::string_view what, const std::string& path,
                         absl::string_view contents) {
  if (path.empty()) return Refuse(what, path, "empty file name");
  auto [dir, name] = SplitPath(path);
  absl::StatusOr<UniqueFd> dir_fd = OpenDir(what, path, dir);
  if (!dir_fd.ok()) return dir_fd.status();
  // Checked again: the session may have run for hours since the start.
  if (absl::Status s = CheckIn(dir_fd->get(), what, path, dir, name); !s.ok()) return s;

  // A fresh name beside the destination, so the rename stays in one file
  // system and one directory; O_EXCL|O_NOFOLLOW never opens what exists.
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    uint64_t random = 0;
    if (getrandom(&random, sizeof(random), 0) != sizeof(random)) {
      random = static_cast<uint64_t>(getpid()) * 1000003u + attempt;
    }
    temp = absl::StrFormat(".%s.%016x.tmp", name, random);
    fd = openat(dir_fd->get(), temp.c_str(),
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    return Refuse(what, path, absl::StrCat("cannot create a file in ", dir, ": ",
                                           std::strerror(errno)));
  }
  absl::Status s = WriteAll(fd, contents);
  // A full disk or quota may show only when the data reach the disk.
  if (s.ok() && fsync(fd) != 0) s = absl::ErrnoToStatus(errno, "fsync");
  if (close(fd) != 0 && s.ok()) s = absl::ErrnoToStatus(errno, "close");
  if (s.ok() && renameat(dir_fd->get(), temp.c_str(), dir_fd->get(), name.c_str()) != 0) {
    s = absl::ErrnoToStatus(errno, "rename");
  }
  if (!s.ok()) {
    unlinkat(dir_fd->get(), temp.c_str(), 0);
    return Refuse(what, path, s.message());
  }
  // The rename itself is durable once the directory is.
  (void)fsync(dir_fd->get());
  return absl::OkStatus();
}

}  // namespace allocprof
