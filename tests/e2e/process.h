// Child processes for the end-to-end tests: started with their stdout and
// stderr on pipes, read while the test waits, and never left behind.
//
// Every wait takes a timeout, so a tracer or target that hangs fails the test
// instead of stalling the suite.
#ifndef ALLOCPROF_TESTS_E2E_PROCESS_H_
#define ALLOCPROF_TESTS_E2E_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace allocprof::e2e {

using Millis = std::chrono::milliseconds;

// A user to run a child as, instead of the test's own.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
};

class Process {
 public:
  // Starts argv[0] (a path, not searched in PATH) in a process group of its
  // own, with stdin from /dev/null. If exec fails, the child writes the
  // reason to its stderr and exits 127. Returns null (with *error set) only
  // if the process could not be created. `env` holds "NAME=VALUE" entries
  // set in the child's environment on top of the test's own (replacing a
  // variable of the same name). With `as`, the child takes that uid and gid,
  // with no supplementary groups, before exec (and exits 127 if it cannot).
  static std::unique_ptr<Process> Start(const std::vector<std::string>& argv,
                                        std::string* error,
                                        const std::vector<std::string>& env = {},
                                        const RunAs* as = nullptr);

  // Kills the whole process group with SIGKILL and reaps the child, so a
  // failed test leaves nothing running (allocprof's own target included).
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Everything read from the child's stdout / stderr so far.
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  bool exited() const { return exited_; }
  // waitpid() status; meaningful once exited().
  int status() const { return status_; }
  // The child's peak resident memory in KiB (wait4's ru_maxrss: the largest
  // of it and its own reaped children); meaningful once exited().
  long max_rss_kib() const { return max_rss_kib_; }
  // "exit 0", "killed by signal 9", "running": for failure messages.
  std::string Describe() const;

  // kill(pid, sig); ignored once the child has been reaped.
  void Signal(int sig);

  // Waits for the child to end (reading its output meanwhile). False on
  // timeout.
  bool WaitExit(Millis timeout);

  // Reads the output of `procs` (and reaps those that end) until done()
  // holds or the timeout passes; returns done(). done() is checked after
  // every read, so it may look at out()/err().
  static bool PumpUntil(std::initializer_list<Process*> procs,
                        const std::function<bool()>& done, Millis timeout);

 private:
  Process() = default;
  // Reads what is available without blocking; closes a pipe at EOF.
  void ReadAvailable();
  // waitpid(WNOHANG); on exit, reads what the child left in the pipes.
  void Reap();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int pid_fd_ = -1;  // pidfd: readable once the child has ended
  bool exited_ = false;
  int status_ = 0;
  long max_rss_kib_ = 0;
  std::string out_;
  std::string err_;
};

// The complete ('\n'-terminated) lines of `text`, without the '\n'.
std::vector<std::string> CompleteLines(const std::string& text);

// The first complete line of `text` that starts with `prefix`, or "".
std::string LineStartingWith(const std::string& text,
                             const std::string& prefix);

}  // namespace allocprof::e2e

#endif  // ALLOCPROF_TESTS_E2E_PROCESS_H_
