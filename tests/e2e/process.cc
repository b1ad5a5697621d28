#include "tests/e2e/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace allocprof::e2e {
namespace {

using Clock = std::chrono::steady_clock;

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// Appends what `*fd` holds now; closes it at EOF or on a read error.
void ReadInto(int* fd, std::string* sink) {
  char buf[16384];
  while (*fd >= 0) {
    ssize_t n = read(*fd, buf, sizeof(buf));
    if (n > 0) {
      sink->append(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n == 0 || errno != EAGAIN) CloseFd(fd);
      return;
    }
  }
}

// The test's environment with the "NAME=VALUE" entries of `extra` set.
std::vector<std::string> ChildEnvironment(
    const std::vector<std::string>& extra) {
  std::vector<std::string> vars;
  for (char** e = environ; *e; ++e) {
    const std::string var = *e;
    const std::string name = var.substr(0, var.find('='));
    bool replaced = false;
    for (const std::string& x : extra) {
      if (x.compare(0, name.size() + 1, name + "=") == 0) replaced = true;
    }
    if (!replaced) vars.push_back(var);
  }
  vars.insert(vars.end(), extra.begin(), extra.end());
  return vars;
}

}  // namespace

std::unique_ptr<Process> Process::Start(const std::vector<std::string>& argv,
                                        std::string* error,
                                        const std::vector<std::string>& env,
                                        const RunAs* as) {
  // Everything the child needs is prepared before fork(): after it, only
  // async-signal-safe calls.
  std::vector<char*> cargv;
  for (const std::string& arg : argv)
    cargv.push_back(const_cast<char*>(arg.c_str()));
  cargv.push_back(nullptr);
  const std::vector<std::string> envp_strings = ChildEnvironment(env);
  std::vector<char*> cenvp;
  for (const std::string& var : envp_strings)
    cenvp.push_back(const_cast<char*>(var.c_str()));
  cenvp.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + strerror(errno);
    return nullptr;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + strerror(errno);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return nullptr;
  }
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    const char* step = "exec ";
    // Groups first: once the uid is dropped they can no longer be changed.
    if (as != nullptr && (setgroups(0, nullptr) != 0 || setresgid(as->gid, as->gid, as->gid) != 0 ||
                          setresuid(as->uid, as->uid, as->uid) != 0)) {
      step = "cannot change user to run ";
    } else {
      execve(cargv[0], cargv.data(), cenvp.data());
    }
    const char* why = strerror(errno);
    (void)!write(STDERR_FILENO, step, strlen(step));
    (void)!write(STDERR_FILENO, cargv[0], strlen(cargv[0]));
    (void)!write(STDERR_FILENO, ": ", 2);
    (void)!write(STDERR_FILENO, why, strlen(why));
    (void)!write(STDERR_FILENO, "\n", 1);
    _exit(127);
  }
  int fork_errno = errno;
  if (devnull >= 0) close(devnull);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    *error = std::string("fork: ") + strerror(fork_errno);
    close(out_pipe[0]);
    close(err_pipe[0]);
    return nullptr;
  }
  // Also in the parent, so that a kill of the group right after Start()
  // cannot race with the child's own setpgid().
  setpgid(pid, pid);

  std::unique_ptr<Process> p(new Process());
  p->pid_ = pid;
  p->out_fd_ = out_pipe[0];
  p->err_fd_ = err_pipe[0];
  fcntl(p->out_fd_, F_SETFL, O_NONBLOCK);
  fcntl(p->err_fd_, F_SETFL, O_NONBLOCK);
  p->pid_fd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (p->pid_fd_ < 0) {
    *error = std::string("pidfd_open: ") + strerror(errno);
    return nullptr;  // the destructor kills and reaps the child
  }
  return p;
}

Process::~Process() {
  if (pid_ > 0) {
    // The group outlives its leader if allocprof left its launched target
    // behind; kill it either way.
    kill(-pid_, SIGKILL);
    if (!exited_) {
      int status;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  CloseFd(&out_fd_);
  CloseFd(&err_fd_);
  CloseFd(&pid_fd_);
}

std::string Process::Describe() const {
  if (!exited_) return "running";
  if (WIFEXITED(status_)) return "exit " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) {
    return "killed by signal " + std::to_string(WTERMSIG(status_)) + " (" +
           strsignal(WTERMSIG(status_)) + ")";
  }
  return "wait status " + std::to_string(status_);
}

void Process::Signal(int sig) {
  if (!exited_) kill(pid_, sig);
}

void Process::ReadAvailable() {
  ReadInto(&out_fd_, &out_);
  ReadInto(&err_fd_, &err_);
}

void Process::Reap() {
  if (exited_) return;
  int status;
  struct rusage usage = {};
  pid_t got = wait4(pid_, &status, WNOHANG, &usage);
  if (got != pid_) return;
  exited_ = true;
  status_ = status;
  max_rss_kib_ = usage.ru_maxrss;
  CloseFd(&pid_fd_);
  // Whatever the child wrote is in the pipes by now; a grandchild may keep
  // them open, so read what is there instead of waiting for EOF.
  ReadAvailable();
}

bool Process::WaitExit(Millis timeout) {
  return PumpUntil(
      {this}, [this] { return exited_; }, timeout);
}

bool Process::PumpUntil(std::initializer_list<Process*> procs,
                        const std::function<bool()>& done, Millis timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    for (Process* p : procs) {
      p->ReadAvailable();
      p->Reap();
    }
    if (done()) return true;

    std::vector<pollfd> fds;
    for (Process* p : procs) {
      for (int fd : {p->out_fd_, p->err_fd_, p->pid_fd_}) {
        if (fd >= 0) fds.push_back({fd, POLLIN, 0});
      }
    }
    const auto left =
        std::chrono::duration_cast<Millis>(deadline - Clock::now());
    // Nothing left that could change done()'s answer, or out of time.
    if (fds.empty() || left.count() <= 0) return done();
    if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 &&
        errno != EINTR) {
      return done();
    }
  }
}

std::vector<std::string> CompleteLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos;
       start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

std::string LineStartingWith(const std::string& text,
                             const std::string& prefix) {
  for (const std::string& line : CompleteLines(text)) {
    if (line.compare(0, prefix.size(), prefix) == 0) return line;
  }
  return "";
}

}  // namespace allocprof::e2e
