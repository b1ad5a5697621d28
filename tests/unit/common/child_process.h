// A child of the test (a fork: the same mappings, the same addresses) that
// waits until the test lets it go, for tests of what handles taken on a
// process do once it has exited and been reaped -- and once its PID is
// another process's.
#ifndef ALLOCPROF_TESTS_UNIT_COMMON_CHILD_PROCESS_H_
#define ALLOCPROF_TESTS_UNIT_COMMON_CHILD_PROCESS_H_

#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include "gtest/gtest.h"

namespace allocprof {

class ChildProcess {
 public:
  // Forks a child that runs `before_waiting` (system calls and plain
  // stores only: it is a fork of a test binary), then waits. With
  // `reuse_pid`, the child is given that PID (clone3's set_tid, which
  // needs CAP_SYS_ADMIN): a process that takes the PID of one reaped.
  explicit ChildProcess(const std::function<void()>& before_waiting = nullptr,
                        pid_t reuse_pid = 0) {
    int ready[2], hold[2];
    if (pipe(ready) != 0 || pipe(hold) != 0) {
      ADD_FAILURE() << "pipe";
      return;
    }
    clone_args args = {};
    args.exit_signal = SIGCHLD;
    pid_t tid = reuse_pid;
    if (reuse_pid != 0) {
      args.set_tid = reinterpret_cast<uint64_t>(&tid);
      args.set_tid_size = 1;
    }
    pid_ = static_cast<pid_t>(syscall(SYS_clone3, &args, sizeof(args)));
    if (pid_ == 0) {
      close(ready[0]);
      close(hold[1]);
      if (before_waiting) before_waiting();
      char c = 1;
      if (write(ready[1], &c, 1) != 1) _exit(2);
      (void)!read(hold[0], &c, 1);
      _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    hold_ = hold[1];
    char c;
    if (pid_ < 0 || read(ready[0], &c, 1) != 1) pid_ = -1;
    close(ready[0]);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { Reap(); }

  // -1 when it could not be started (as with reuse_pid, unprivileged).
  pid_t pid() const { return pid_; }

  // Kills it and waits for it: its PID is free from then on.
  void Reap() {
    if (hold_ >= 0) close(hold_);
    hold_ = -1;
    if (pid_ <= 0 || reaped_) return;
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }

 private:
  pid_t pid_ = -1;
  int hold_ = -1;
  bool reaped_ = false;
};

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_COMMON_CHILD_PROCESS_H_
