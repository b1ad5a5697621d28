#include "userspace/session/wakeups.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace allocprof {

absl::StatusOr<UniqueFd> StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
    return absl::ErrnoToStatus(errno, "sigprocmask");
  }
  int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) return absl::ErrnoToStatus(errno, "signalfd");
  return UniqueFd(fd);
}

std::string ReadStopReason(int signal_fd) {
  signalfd_siginfo info;
  if (read(signal_fd, &info, sizeof(info)) != sizeof(info)) return "stopped by a signal";
  return absl::StrCat("stopped by ", strsignal(info.ssi_signo));
}

absl::StatusOr<Waiter> Waiter::Create(std::initializer_list<int> fds) {
  UniqueFd ep(epoll_create1(EPOLL_CLOEXEC));
  if (!ep.valid()) return absl::ErrnoToStatus(errno, "epoll_create1");
  for (int fd : fds) {
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      return absl::ErrnoToStatus(errno, "epoll_ctl");
    }
  }
  return Waiter(std::move(ep));
}

std::vector<int> Waiter::Wait(absl::Duration timeout) {
  epoll_event events[8];
  int ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  int n = epoll_wait(ep_.get(), events, 8, std::max(ms, 0));
  std::vector<int> ready;
  for (int i = 0; i < n; ++i) ready.push_back(events[i].data.fd);
  return ready;
}

bool Contains(const std::vector<int>& fds, int fd) {
  return std::find(fds.begin(), fds.end(), fd) != fds.end();
}

}  // namespace allocprof
