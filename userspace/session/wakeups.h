// What wakes a session's wait loop: events from BPF, SIGINT/SIGTERM, the
// target's exit -- all file descriptors, waited on together.
#ifndef ALLOCPROF_USERSPACE_SESSION_WAKEUPS_H_
#define ALLOCPROF_USERSPACE_SESSION_WAKEUPS_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {

// Blocks SIGINT and SIGTERM and returns a signalfd for them, so the wait
// loop sees them like any other input and always gets to print the report.
absl::StatusOr<UniqueFd> StopSignals();

// The name of the signal read from `signal_fd`, e.g. "stopped by Interrupt".
std::string ReadStopReason(int signal_fd);

// epoll over a fixed set of file descriptors.
class Waiter {
 public:
  static absl::StatusOr<Waiter> Create(std::initializer_list<int> fds);
  // Waits up to `timeout`; returns the fds that became readable.
  std::vector<int> Wait(absl::Duration timeout);

 private:
  explicit Waiter(UniqueFd ep) : ep_(std::move(ep)) {}
  UniqueFd ep_;
};

bool Contains(const std::vector<int>& fds, int fd);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SESSION_WAKEUPS_H_
