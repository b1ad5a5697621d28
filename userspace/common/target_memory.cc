#include "userspace/common/target_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace allocprof {
namespace {

// pread(2)'s offset is an off_t: addresses from 2^63 up do not fit.
constexpr uint64_t kOffsetLimit = uint64_t{std::numeric_limits<off_t>::max()} + 1;

}  // namespace

absl::StatusOr<TargetMemory> TargetMemory::Open(int proc_dir, absl::string_view what) {
  UniqueFd fd(::openat(proc_dir, "mem", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    // The directory of a reaped process answers ESRCH.
    if (err == ENOENT || err == ESRCH) return absl::NotFoundError("the target exited");
    std::string message = absl::StrCat("cannot open ", what, "/mem: ", std::strerror(err));
    if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
    return absl::InternalError(message);
  }
  return TargetMemory(std::move(fd));
}

absl::StatusOr<TargetMemory> TargetMemory::OpenSelf() {
  UniqueFd self(::open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!self.valid()) return absl::ErrnoToStatus(errno, "cannot open /proc/self");
  return Open(self.get(), "/proc/self");
}

TargetMemory::TargetMemory(TargetMemory&& other) noexcept
    : fd_(std::move(other.fd_)), reads_(other.reads()) {}

TargetMemory& TargetMemory::operator=(TargetMemory&& other) noexcept {
  fd_ = std::move(other.fd_);
  reads_.store(other.reads(), std::memory_order_relaxed);
  return *this;
}

ssize_t TargetMemory::ReadSome(uint64_t addr, void* out, size_t size) const {
  if (size == 0) return 0;
  if (addr >= kOffsetLimit) return -EFAULT;
  // The part at 2^63 and above cannot be mapped: the read ends short there.
  size = static_cast<size_t>(std::min<uint64_t>(size, kOffsetLimit - addr));
  size_t done = 0;
  while (done < size) {
    reads_.fetch_add(1, std::memory_order_relaxed);
    const ssize_t n = ::pread(fd_.get(), static_cast<char*>(out) + done, size - done,
                              static_cast<off_t>(addr + done));
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (done > 0) break;  // what was read up to the first unreadable byte
    // End of file: the address space it was opened on is gone.
    if (n == 0) return -ESRCH;
    // The kernel says EIO for an address no mapping covers (and for one
    // outside user space); EFAULT is what it means, and what
    // process_vm_readv said.
    return errno == EIO ? -EFAULT : -errno;
  }
  return static_cast<ssize_t>(done);
}

bool TargetMemory::ReadAll(uint64_t addr, void* out, size_t size) const {
  return ReadSome(addr, out, size) == static_cast<ssize_t>(size);
}

std::vector<uint8_t> TargetMemory::ReadBytes(uint64_t addr, size_t max) const {
  std::vector<uint8_t> bytes(addr == 0 ? 0 : max);
  const ssize_t n = ReadSome(addr, bytes.data(), bytes.size());
  bytes.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return bytes;
}

std::optional<std::string> TargetMemory::ReadString(uint64_t addr, size_t max) const {
  if (addr == 0) return std::nullopt;
  // A short read at the end of a mapping still gives the string's start.
  std::string s(max, '\0');
  const ssize_t n = ReadSome(addr, s.data(), max);
  if (n <= 0) return std::nullopt;
  const size_t end = s.find('\0');
  if (end == std::string::npos || end >= static_cast<size_t>(n)) return std::nullopt;
  s.resize(end);
  return s;
}

}  // namespace allocprof
