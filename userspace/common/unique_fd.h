// Sole owner of a file descriptor: closes it when the owner goes away, so an
// early return on an error path cannot leak it.
#ifndef ALLOCPROF_USERSPACE_COMMON_UNIQUE_FD_H_
#define ALLOCPROF_USERSPACE_COMMON_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace allocprof {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_COMMON_UNIQUE_FD_H_
