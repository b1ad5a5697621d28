// Reading the traced process's memory through a descriptor of its
// /proc/PID/mem, never by PID number.
//
// A /proc/PID/mem descriptor holds the address space (mm) of the process
// it was opened for: once that process exits (or replaces its image with
// exec), reads through it find no memory, even after its PID has been
// given to another process. process_vm_readv(pid, ...) looks the PID up at
// every call, so a PID reused between two reads would have the second read
// another process's memory -- as root, any process's. The descriptor is
// opened through the /proc/PID directory descriptor a ProcessHandle holds,
// so it too is the traced process's, whatever its PID names later.
//
// /proc/PID/mem reads as ptrace does (FOLL_FORCE): unlike
// process_vm_readv, it also reads mapped pages without PROT_READ. Nothing
// is ever written through it (O_RDONLY).
#ifndef ALLOCPROF_USERSPACE_COMMON_TARGET_MEMORY_H_
#define ALLOCPROF_USERSPACE_COMMON_TARGET_MEMORY_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {

class TargetMemory {
 public:
  // Opens "mem" in `proc_dir`, a descriptor of a /proc/PID directory;
  // `what` names it in errors ("/proc/4242"). NotFound "the target exited"
  // when the process is gone, PermissionDenied when we may not read it.
  static absl::StatusOr<TargetMemory> Open(int proc_dir, absl::string_view what);
  // This process's own memory (/proc/self/mem), for tests.
  static absl::StatusOr<TargetMemory> OpenSelf();

  TargetMemory(TargetMemory&& other) noexcept;
  TargetMemory& operator=(TargetMemory&& other) noexcept;

  // Reads up to `size` bytes at `addr` into `out`. Returns how many were
  // read, fewer than `size` where the readable memory ends (the end of a
  // mapping), or a negative errno:
  //   -EFAULT  nothing is mapped at `addr` (the kernel says EIO), or `addr`
  //            is at or above 2^63, which no user address is: pread(2)
  //            takes a signed offset, so such an address is refused here
  //            rather than passed on wrapped;
  //   -ESRCH   the process has exited, or exec'd another program (the
  //            descriptor reads as an empty file then);
  //   other    what pread(2) said.
  // A read of 0 bytes returns 0.
  ssize_t ReadSome(uint64_t addr, void* out, size_t size) const;

  // All `size` bytes at `addr`, or false.
  bool ReadAll(uint64_t addr, void* out, size_t size) const;
  // A T at `addr`; nullopt for a null address or one that cannot be read.
  template <typename T>
  std::optional<T> Read(uint64_t addr) const {
    T value{};
    if (addr == 0 || !ReadAll(addr, &value, sizeof(value))) return std::nullopt;
    return value;
  }
  // Up to `max` bytes at `addr`: fewer where a mapping ends, none for a
  // null address or one that cannot be read.
  std::vector<uint8_t> ReadBytes(uint64_t addr, size_t max) const;
  // A NUL-terminated string of at most `max` bytes at `addr` (its NUL
  // among them); nullopt for a null address, an unreadable one, or no NUL
  // within `max` readable bytes.
  std::optional<std::string> ReadString(uint64_t addr, size_t max = 256) const;

  // How many reads went to the process (each a system call): what walking
  // its structures costs.
  uint64_t reads() const { return reads_.load(std::memory_order_relaxed); }

 private:
  explicit TargetMemory(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
  mutable std::atomic<uint64_t> reads_{0};
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_COMMON_TARGET_MEMORY_H_
