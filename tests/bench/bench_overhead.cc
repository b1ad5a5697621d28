// bench_overhead: what allocprof costs a program that allocates.
//
// Runs malloc_loop (a one-thread malloc+free loop that times itself) in
// several ways, interleaved run by run so that drift of the host spreads over
// all of them:
//   (a) untraced;
//   (b) under `allocprof --floor --`: the same probes with programs that
//       return at once, i.e. the price of the probe mechanism alone;
//   (c) under `allocprof --floor-stacks --`: (b) plus the user stack at each
//       allocation, the floor of full tracing with stacks;
//   (d) under `allocprof --`: full tracing;
//   (e) sampled at 512 KiB;
//   (f), (g): (b) and (d) with plain uprobes and uretprobes (--nosessions);
//   (h) --mode pages: no uprobes, page faults only;
//   (i)-(l): (a), (d), (e) and (h) with two threads allocating at once;
//   (m) the peer: a memleak-style bpftrace script (uprobe and uretprobe on
//       malloc with the user stack, uprobe on free), when bpftrace is there;
// then times `allocprof -p PID` attaching to a loop that is already running,
// and takes allocprof's peak RSS from wait4(). With --nofp-loop, stacks by
// frame pointers and by CFI, (n1)-(n5). With --java-jar, a JVM that
// allocates direct memory (DirectLoop.java), attached with -p once it runs:
//   (j1) untraced; (j2) under `allocprof --floor-stacks -p`; (j3) under
//   `allocprof -p`, with the stack of the loop's allocations in its report.
//
// It prints figures and judges none of them. It exits non-zero only when a
// figure could not be obtained (allocprof failed or hung, output could not
// be parsed), and then says which command failed and what it wrote to stderr.
//
//   bench_overhead --allocprof PATH --loop PATH [--runs N] [--target-ms MS]
//                  [--quick] [--nofp-loop PATH]
//                  [--java-jar PATH [--java PATH] [--only-java]]

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "userspace/common/unique_fd.h"

extern char** environ;

namespace {

using allocprof::UniqueFd;

// The line allocprof prints on stderr once its probes are attached.
constexpr absl::string_view kTracingLine = "allocprof: tracing";
// How long allocprof may take, after its target printed its figure, to write
// its report and exit before it is interrupted.
constexpr double kReportTimeoutS = 60;
// The same after `allocprof -p`'s idle target exited: little to report, but
// detaching the probes takes seconds (an RCU grace period per probe).
constexpr double kAttachedExitTimeoutS = 30;

double NowS() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

absl::Status ErrnoStatus(int err, absl::string_view what) {
  return absl::ErrnoToStatus(err, what);
}


enum class Stream { kOut, kErr };

// A spawned command with its stdout and stderr on pipes and stdin on
// /dev/null. Exit is observed through a pidfd, so the exit time is exact and
// wait4() returns the rusage. The destructor kills and reaps a child still
// running, so no error path leaves a process behind.
class Child {
 public:
  using LineFn = std::function<bool(Stream, absl::string_view)>;

  static absl::StatusOr<std::unique_ptr<Child>> Start(
      std::vector<std::string> argv) {
    std::unique_ptr<Child> c(new Child(std::move(argv)));
    absl::Status s = c->Spawn();
    if (!s.ok()) return s;
    return c;
  }

  ~Child() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }
  const rusage& usage() const { return usage_; }
  double start_s() const { return start_s_; }
  double exit_s() const { return exit_s_; }
  const std::string& out() const { return text_[0]; }
  const std::string& err() const { return text_[1]; }
  // When the latest bytes of the stream were read; a line is handed to
  // ReadUntil's on_line right after the read that completed it.
  double last_read_s(Stream s) const { return read_s_[s == Stream::kOut ? 0 : 1]; }
  bool interrupted() const { return interrupted_; }
  std::string CommandLine() const { return absl::StrJoin(argv_, " "); }

  // Reads output, passing each complete line to on_line, until on_line
  // returns true (returns true), or the child has exited and its output has
  // ended (returns false). DeadlineExceeded after timeout_s.
  absl::StatusOr<bool> ReadUntil(double timeout_s, const LineFn& on_line) {
    const double deadline = NowS() + timeout_s;
    for (;;) {
      for (int i = 0; i < 2; i++) {
        if (DeliverLines(i, on_line)) return true;
      }
      bool pipes_open = out_.valid() || err_.valid();
      if (exited_ && !pipes_open) return false;
      double now = NowS();
      if (exited_ && pipes_open && now > exit_s_ + 2) {
        // A descendant still holds the pipes; the child itself is done.
        out_.Reset();
        err_.Reset();
        return false;
      }
      if (now >= deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat("no result within ", timeout_s, " s"));
      }
      pollfd fds[3];
      int n = 0;
      for (UniqueFd* fd : {&out_, &err_, &pidfd_}) {
        if (fd->valid() && !(fd == &pidfd_ && exited_)) {
          fds[n++] = {fd->get(), POLLIN, 0};
        }
      }
      double wait_s = std::min(deadline, exited_ ? exit_s_ + 2 : deadline) - now;
      int rc = poll(fds, n, std::max(1, static_cast<int>(wait_s * 1000) + 1));
      if (rc < 0 && errno != EINTR) return ErrnoStatus(errno, "poll");
      for (int i = 0; i < 2; i++) {
        absl::Status s = ReadPipe(i);
        if (!s.ok()) return s;
      }
      if (!exited_) Reap(WNOHANG);
    }
  }

  // Waits for the child to exit, reading its output. If it has not exited
  // within timeout_s it gets SIGINT (how a person stops a profiler), then
  // SIGKILL; only the latter is an error.
  absl::Status Finish(double timeout_s) {
    auto never = [](Stream, absl::string_view) { return false; };
    absl::StatusOr<bool> r = ReadUntil(timeout_s, never);
    if (r.ok()) return absl::OkStatus();
    interrupted_ = true;
    kill(pid_, SIGINT);
    r = ReadUntil(10, never);
    if (r.ok()) return absl::OkStatus();
    kill(pid_, SIGKILL);
    (void)ReadUntil(10, never);
    return absl::DeadlineExceededError(absl::StrCat(
        "`", CommandLine(), "` did not exit within ", timeout_s,
        " s nor 10 s after SIGINT; killed it"));
  }

  // OK if the child exited 0, or (after Finish had to interrupt it) it
  // ended on that SIGINT.
  absl::Status CheckExit() const {
    if (!exited_) {
      return absl::InternalError(absl::StrCat("`", CommandLine(), "` is still running"));
    }
    if (WIFEXITED(status_) && WEXITSTATUS(status_) == 0) return absl::OkStatus();
    if (interrupted_ && ((WIFSIGNALED(status_) && WTERMSIG(status_) == SIGINT) ||
                         (WIFEXITED(status_) && WEXITSTATUS(status_) == 128 + SIGINT))) {
      return absl::OkStatus();
    }
    std::string how = WIFEXITED(status_)
                          ? absl::StrCat("exited with status ", WEXITSTATUS(status_))
                          : absl::StrCat("was killed by signal ", WTERMSIG(status_),
                                         " (", strsignal(WTERMSIG(status_)), ")");
    return absl::InternalError(absl::StrCat("`", CommandLine(), "` ", how));
  }

 private:
  explicit Child(std::vector<std::string> argv) : argv_(std::move(argv)) {}

  absl::Status Spawn() {
    int out[2], err[2];
    // O_CLOEXEC: the child gets only the ends dup2'd onto 1 and 2, so the
    // pipes reach EOF when the child and its descendants are done.
    if (pipe2(out, O_CLOEXEC) != 0) return ErrnoStatus(errno, "pipe2");
    out_.Reset(out[0]);
    UniqueFd out_w(out[1]);
    if (pipe2(err, O_CLOEXEC) != 0) return ErrnoStatus(errno, "pipe2");
    err_.Reset(err[0]);
    UniqueFd err_w(err[1]);
    // Only our ends are non-blocking: O_NONBLOCK belongs to the open file,
    // and the child's writes must block, not fail, when we read slowly.
    for (int fd : {out_.get(), err_.get()}) {
      if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        return ErrnoStatus(errno, "fcntl");
      }
    }

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_w.get(), 1);
    posix_spawn_file_actions_adddup2(&fa, err_w.get(), 2);
    std::vector<char*> cargv;
    for (std::string& a : argv_) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    start_s_ = NowS();
    int rc = posix_spawn(&pid_, cargv[0], &fa, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      pid_ = -1;
      return ErrnoStatus(rc, absl::StrCat("cannot run ", argv_[0]));
    }
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd < 0) return ErrnoStatus(errno, "pidfd_open");
    pidfd_.Reset(pidfd);
    return absl::OkStatus();
  }

  absl::Status ReadPipe(int i) {
    UniqueFd& fd = i == 0 ? out_ : err_;
    if (!fd.valid()) return absl::OkStatus();
    char buf[65536];
    for (;;) {
      ssize_t n = read(fd.get(), buf, sizeof(buf));
      if (n > 0) {
        text_[i].append(buf, n);
        read_s_[i] = NowS();
        if (static_cast<size_t>(n) < sizeof(buf)) return absl::OkStatus();
        continue;
      }
      if (n == 0) {
        fd.Reset();
        return absl::OkStatus();
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return absl::OkStatus();
      return ErrnoStatus(errno, "read");
    }
  }

  bool DeliverLines(int i, const LineFn& on_line) {
    for (;;) {
      size_t nl = text_[i].find('\n', consumed_[i]);
      if (nl == std::string::npos) return false;
      absl::string_view line(text_[i].data() + consumed_[i], nl - consumed_[i]);
      consumed_[i] = nl + 1;
      if (on_line(i == 0 ? Stream::kOut : Stream::kErr, line)) return true;
    }
  }

  void Reap(int flags) {
    int st;
    rusage ru;
    pid_t r;
    do r = wait4(pid_, &st, flags, &ru);
    while (r < 0 && errno == EINTR);
    if (r == pid_) {
      exited_ = true;
      exit_s_ = NowS();
      status_ = st;
      usage_ = ru;
      pidfd_.Reset();
    }
  }

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  UniqueFd out_, err_, pidfd_;
  std::string text_[2];
  size_t consumed_[2] = {0, 0};
  double read_s_[2] = {0, 0};
  double start_s_ = 0, exit_s_ = 0;
  bool exited_ = false, interrupted_ = false;
  int status_ = 0;
  rusage usage_{};
};

// The failing command's stderr, indented, last lines only.
std::string StderrTail(const Child& c) {
  std::vector<absl::string_view> lines =
      absl::StrSplit(c.err(), '\n', absl::SkipEmpty());
  constexpr size_t kMax = 40;
  size_t from = lines.size() > kMax ? lines.size() - kMax : 0;
  std::string s = lines.empty() ? "  (nothing on stderr)\n" : "";
  for (size_t i = from; i < lines.size(); i++) absl::StrAppend(&s, "  | ", lines[i], "\n");
  return s;
}

absl::Status Failed(const Child& c, const absl::Status& why) {
  return absl::Status(why.code(), absl::StrCat(why.message(), "\n`", c.CommandLine(),
                                               "` wrote on stderr:\n", StderrTail(c)));
}

struct LoopRun {
  double ns_per_pair = 0;
  uint64_t iterations = 0;
  double maxrss_mib = 0;  // wait4() ru_maxrss of the spawned process
  double wall_s = 0;      // spawn to exit
  bool interrupted = false;
  // allocprof's own account of the run, from its report: the line with the
  // event count and the one with lost data.
  std::vector<std::string> report_lines;
  std::string err;  // allocprof's stderr
};

// The line a loop prints on stdout when it is done:
// "ns_per_pair=<float> iterations=<n>".
constexpr absl::string_view kFigurePrefix = "ns_per_pair=";

absl::Status ParseFigure(absl::string_view line, double* ns_per_pair, uint64_t* iterations) {
  std::vector<absl::string_view> f = absl::StrSplit(line, absl::ByAnyChar(" ="));
  if (f.size() < 4 || f[2] != "iterations" || !absl::SimpleAtod(f[1], ns_per_pair) ||
      !absl::SimpleAtoi(f[3], iterations)) {
    return absl::InternalError(absl::StrCat("cannot parse `", line, "`"));
  }
  return absl::OkStatus();
}

// A line handler for Child::ReadUntil that takes the loop's figure line
// from its stdout, once.
struct FigureReader {
  double* ns_per_pair;
  uint64_t* iterations;
  bool seen = false;
  absl::Status error;

  bool operator()(Stream s, absl::string_view line) {
    if (s != Stream::kOut || !absl::StartsWith(line, kFigurePrefix)) return false;
    error = ParseFigure(line, ns_per_pair, iterations);
    seen = true;
    return true;
  }
};

// Runs argv, which ends in the loop program, to completion and takes the
// loop's figure from stdout.
absl::StatusOr<LoopRun> RunLoop(std::vector<std::string> argv) {
  absl::StatusOr<std::unique_ptr<Child>> started = Child::Start(std::move(argv));
  if (!started.ok()) return started.status();
  Child& c = **started;

  LoopRun run;
  FigureReader figure{&run.ns_per_pair, &run.iterations};
  auto on_line = std::ref(figure);
  // The loop times itself for about a second after a calibration; allocprof
  // adds its start-up. Ten minutes means something is stuck.
  absl::StatusOr<bool> got = c.ReadUntil(600, on_line);
  if (!got.ok()) {
    c.Finish(0).IgnoreError();
    return Failed(c, got.status());
  }
  if (!figure.error.ok()) return Failed(c, figure.error);
  absl::Status s = c.Finish(kReportTimeoutS);
  if (!s.ok()) return Failed(c, s);
  s = c.CheckExit();
  if (!s.ok()) return Failed(c, s);
  if (!figure.seen) {
    return Failed(c, absl::InternalError("the loop printed no `ns_per_pair=` line"));
  }
  run.maxrss_mib = c.usage().ru_maxrss / 1024.0;
  run.wall_s = c.exit_s() - c.start_s();
  run.interrupted = c.interrupted();
  run.err = c.err();
  for (absl::string_view line : absl::StrSplit(c.out(), '\n')) {
    if ((absl::StartsWith(line, "allocprof: ") && absl::StrContains(line, " events")) ||
        absl::StartsWith(line, "Lost: ")) {
      run.report_lines.emplace_back(line);
    }
  }
  return run;
}

struct AttachRun {
  double attach_ms = 0;
  double exit_ms = 0;  // from the target's exit to allocprof's
  double maxrss_mib = 0;
  double bpf_map_rss_mib = -1;  // -1: /proc/PID/smaps could not be read
  bool interrupted = false;
};

// Resident memory of the BPF maps a process has mapped (the ring buffer),
// in MiB, from /proc/PID/smaps; -1 if it cannot be read. Those pages are
// the kernel's, but ru_maxrss counts them, so the report shows them apart.
double BpfMapRssMiB(pid_t pid) {
  FILE* f = fopen(absl::StrCat("/proc/", pid, "/smaps").c_str(), "re");
  if (!f) return -1;
  char line[512];
  bool in_bpf_map = false;
  long kb_sum = 0;
  while (fgets(line, sizeof(line), f)) {
    long kb;
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
      in_bpf_map = strstr(line, "anon_inode:bpf-map") != nullptr;
    } else if (in_bpf_map && sscanf(line, "Rss: %ld kB", &kb) == 1) {
      kb_sum += kb;
    }
  }
  fclose(f);
  return kb_sum / 1024.0;
}

// Starts the loop waiting on a signal, then times `allocprof -p PID` from
// spawning it to its stderr line "allocprof: tracing ...".
// Each row measures one way of tracing: the overhead guard (--max-overhead),
// which would change the way mid-run, is off.
constexpr char kGuardOff[] = "--max-overhead=0";

absl::StatusOr<AttachRun> RunAttach(const std::string& allocprof, const std::string& loop) {
  absl::StatusOr<std::unique_ptr<Child>> target_started = Child::Start({loop, "--wait"});
  if (!target_started.ok()) return target_started.status();
  Child& target = **target_started;
  absl::StatusOr<bool> ready = target.ReadUntil(30, [](Stream s, absl::string_view line) {
    return s == Stream::kOut && absl::StartsWith(line, "ready pid=");
  });
  if (!ready.ok() || !*ready) {
    return Failed(target, ready.ok() ? absl::InternalError("exited before it was ready")
                                     : ready.status());
  }

  absl::StatusOr<std::unique_ptr<Child>> ap_started =
      Child::Start({allocprof, "-p", std::to_string(target.pid())});
  if (!ap_started.ok()) return ap_started.status();
  Child& ap = **ap_started;
  double traced_at = 0;
  absl::StatusOr<bool> traced = ap.ReadUntil(120, [&](Stream s, absl::string_view line) {
    if (s != Stream::kErr || !absl::StartsWith(line, kTracingLine)) return false;
    traced_at = ap.last_read_s(Stream::kErr);
    return true;
  });
  if (!traced.ok()) {
    ap.Finish(0).IgnoreError();
    return Failed(ap, absl::Status(traced.status().code(),
                                   absl::StrCat("no `", kTracingLine, "` line: ",
                                                traced.status().message())));
  }
  if (!*traced) {
    absl::Status why = ap.CheckExit();
    return Failed(ap, absl::InternalError(absl::StrCat(
                          "it exited without a `", kTracingLine, "` line",
                          why.ok() ? "" : ": ", why.ok() ? "" : why.message())));
  }

  AttachRun run;
  run.attach_ms = (traced_at - ap.start_s()) * 1e3;
  run.bpf_map_rss_mib = BpfMapRssMiB(ap.pid());
  kill(target.pid(), SIGTERM);
  absl::Status s = target.Finish(10);
  if (!s.ok()) return Failed(target, s);
  // allocprof ends when its target exits; Finish interrupts it otherwise.
  s = ap.Finish(kAttachedExitTimeoutS);
  if (!s.ok()) return Failed(ap, s);
  s = ap.CheckExit();
  if (!s.ok()) return Failed(ap, s);
  run.exit_ms = (ap.exit_s() - target.exit_s()) * 1e3;
  run.maxrss_mib = ap.usage().ru_maxrss / 1024.0;
  run.interrupted = ap.interrupted();
  return run;
}

// bpftrace from PATH, or "" when it is not installed.
std::string FindBpftrace() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
    std::string path = absl::StrCat(dir, "/bpftrace");
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// The peer: what BCC's memleak does, as a bpftrace script. The size waits
// by thread between malloc's entry and return; the block's size and user
// stack are kept by address until free.
std::string MemleakScript(const std::string& libc) {
  return absl::StrCat(
      "uprobe:", libc, ":malloc /pid == cpid/ { @size[tid] = arg0; }\n",
      "uretprobe:", libc, ":malloc /pid == cpid && @size[tid]/ {\n",
      "  @live[retval] = @size[tid]; @stack[retval] = ustack; delete(@size[tid]); }\n",
      "uprobe:", libc, ":free /pid == cpid/ { delete(@live[arg0]); delete(@stack[arg0]); }\n",
      "END { clear(@size); clear(@live); clear(@stack); }\n");
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

void PrintRow(const char* label, const char* unit, const std::vector<double>& v,
              const char* fmt) {
  std::string runs;
  char buf[64];
  for (double x : v) {
    snprintf(buf, sizeof(buf), fmt, x);
    absl::StrAppend(&runs, runs.empty() ? "" : " ", buf);
  }
  char med[64], mn[64];
  snprintf(med, sizeof(med), fmt, Median(v));
  snprintf(mn, sizeof(mn), fmt, Min(v));
  printf("%-48s %-7s %10s %10s   %s\n", label, unit, med, mn, runs.c_str());
}

void PrintRatio(const char* label, const std::vector<double>& num,
                const std::vector<double>& den) {
  std::vector<double> per_run;
  for (size_t i = 0; i < num.size(); i++) per_run.push_back(num[i] / den[i]);
  std::string runs;
  for (double x : per_run) absl::StrAppend(&runs, runs.empty() ? "" : " ", absl::StrFormat("%.2f", x));
  printf("%-48s %-7s %10.2f %10.2f   %s\n", label, "x", Median(num) / Median(den),
         Min(num) / Min(den), runs.c_str());
}

std::vector<double> Field(const std::vector<LoopRun>& runs, double LoopRun::*f) {
  std::vector<double> v;
  for (const LoopRun& r : runs) v.push_back(r.*f);
  return v;
}

struct Options {
  std::string allocprof, loop;
  std::string nofp_loop;  // --nofp-loop: also compare FP and CFI stacks
  std::string java_jar;   // --java-jar: also time a JVM (DirectLoop.java)
  std::string java = "java";
  bool only_java = false;
  int runs = 3;
  int target_ms = 1000;
  bool quick = false;
};

[[noreturn]] void Usage() {
  fprintf(stderr,
          "usage: bench_overhead --allocprof PATH --loop PATH [--runs N] "
          "[--target-ms MS] [--quick]\n"
          "                      [--nofp-loop PATH] [--java-jar PATH [--java PATH] [--only-java]]\n"
          "  --runs N        runs of each measurement (default 3)\n"
          "  --target-ms MS  length of each timed loop (default 1000)\n"
          "  --quick         one short run of each, a smoke test of the set-up\n"
          "  --nofp-loop P   also time stacks by frame pointers and by CFI on P, the\n"
          "                  loop built without frame pointers, and size its unwind tables\n"
          "  --java-jar J    also time allocprof -p on a JVM running DirectLoop from J\n"
          "  --java P        the java launcher (default: java from PATH)\n"
          "  --only-java     only the JVM's figures (needs --java-jar; --loop optional)\n");
  exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  bool runs_set = false, target_set = false;
  for (int i = 1; i < argc; i++) {
    absl::string_view a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--allocprof" && has_value) {
      o.allocprof = argv[++i];
    } else if (a == "--loop" && has_value) {
      o.loop = argv[++i];
    } else if (a == "--runs" && has_value) {
      if (!absl::SimpleAtoi(argv[++i], &o.runs) || o.runs < 1) Usage();
      runs_set = true;
    } else if (a == "--target-ms" && has_value) {
      if (!absl::SimpleAtoi(argv[++i], &o.target_ms) || o.target_ms < 1) Usage();
      target_set = true;
    } else if (a == "--nofp-loop" && has_value) {
      o.nofp_loop = argv[++i];
    } else if (a == "--java-jar" && has_value) {
      o.java_jar = argv[++i];
    } else if (a == "--java" && has_value) {
      o.java = argv[++i];
    } else if (a == "--only-java") {
      o.only_java = true;
    } else if (a == "--quick") {
      o.quick = true;
    } else {
      Usage();
    }
  }
  if (o.allocprof.empty() || (o.loop.empty() && !o.only_java)) Usage();
  if (o.only_java && o.java_jar.empty()) Usage();
  if (o.quick) {
    if (!runs_set) o.runs = 1;
    if (!target_set) o.target_ms = 100;
  }
  return o;
}

[[noreturn]] void Die(const absl::Status& s, absl::string_view during) {
  fprintf(stderr, "bench_overhead: %.*s failed: %s\n", static_cast<int>(during.size()),
          during.data(), std::string(s.message()).c_str());
  exit(1);
}

// Nanoseconds per run of `program` as allocprof -v reports it at the end
// ("allocprof: BPF program NAME: N runs, T ns each"); -1 if absent.
double BpfNsPerRun(const std::string& err, absl::string_view program) {
  const std::string prefix = absl::StrCat("allocprof: BPF program ", program, ": ");
  for (absl::string_view line : absl::StrSplit(err, '\n')) {
    if (!absl::StartsWith(line, prefix)) continue;
    std::vector<absl::string_view> f = absl::StrSplit(line.substr(prefix.size()), ' ');
    double ns = 0;
    if (f.size() >= 4 && absl::SimpleAtod(f[2], &ns)) return ns;
  }
  return -1;
}

// allocprof's own CPU per record while tracing, as -v reports it at the end
// ("allocprof: userspace T ms of CPU while tracing, N ns per record (R
// records)"); -1 if absent.
double UserspaceNsPerRecord(const std::string& err) {
  constexpr absl::string_view kPrefix = "allocprof: userspace ";
  for (absl::string_view line : absl::StrSplit(err, '\n')) {
    if (!absl::ConsumePrefix(&line, kPrefix)) continue;
    const size_t per = line.find(" ns per record");
    const size_t comma = line.rfind(", ", per);
    double ns = 0;
    if (per != absl::string_view::npos && comma != absl::string_view::npos &&
        absl::SimpleAtod(line.substr(comma + 2, per - comma - 2), &ns)) {
      return ns;
    }
  }
  return -1;
}

// kernel.bpf_stats_enabled, which makes the kernel count each BPF program's
// runs and run time (what allocprof -v prints at the end): "0" or "1", ""
// if it cannot be read.
constexpr char kBpfStats[] = "/proc/sys/kernel/bpf_stats_enabled";

std::string ReadBpfStats() {
  std::string v;
  if (FILE* f = fopen(kBpfStats, "re")) {
    char c = 0;
    if (fread(&c, 1, 1, f) == 1) v.assign(1, c);
    fclose(f);
  }
  return v;
}

// Sets it; "" (what ReadBpfStats returns when it cannot read) sets "0".
void WriteBpfStats(const std::string& v) {
  if (FILE* f = fopen(kBpfStats, "we")) {
    fputs(v.empty() ? "0" : v.c_str(), f);
    fclose(f);
  }
}

// Stacks without frame pointers: the loop built as Debian builds libc and
// libstdc++, its stacks taken by frame pointers (--unwind fp, which stop
// after a frame or two there) and walked with CFI (--unwind auto). The
// per-event cost of a stack is what the kernel counts for the allocating
// probe's program (BPF statistics, turned on for these runs): the floor's
// program does nothing else, so it is the capture itself, free of the trap
// cost that makes the loop's figures noisy. Then the unwind tables' memory,
// from allocprof -v.
void RunNofpComparison(const Options& o) {
  const std::vector<std::string> loop = {o.nofp_loop, "--target-ms",
                                         std::to_string(o.target_ms)};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {o.allocprof, kGuardOff});
    args.push_back("--");
    args.insert(args.end(), loop.begin(), loop.end());
    return args;
  };
  const std::string stats_before = ReadBpfStats();
  WriteBpfStats("1");
  struct Mode {
    const char* name;
    std::vector<std::string> argv;
    std::vector<double> ns;
    std::vector<double> bpf_ns;
  };
  Mode modes[] = {{"(n1) --floor", with({"-v", "--floor"}), {}, {}},
                  {"(n2) --floor-stacks --unwind fp", with({"-v", "--floor-stacks", "--unwind", "fp"}), {}, {}},
                  {"(n3) --floor-stacks --unwind auto", with({"-v", "--floor-stacks"}), {}, {}},
                  {"(n4) allocprof --unwind fp", with({"-v", "--unwind", "fp"}), {}, {}},
                  {"(n5) allocprof --unwind auto", with({"-v"}), {}, {}}};
  for (int r = 0; r < o.runs; r++) {
    for (Mode& m : modes) {
      absl::StatusOr<LoopRun> run = RunLoop(m.argv);
      if (!run.ok()) Die(run.status(), m.name);
      // Uprobe sessions: one program serves the entry and the return.
      const double bpf_ns = BpfNsPerRun(run->err, "ap_alloc_session");
      fprintf(stderr, "bench_overhead: run %d/%d %-34s %10.1f ns/pair, %6.0f ns/BPF run\n",
              r + 1, o.runs, m.name, run->ns_per_pair, bpf_ns);
      m.ns.push_back(run->ns_per_pair);
      m.bpf_ns.push_back(bpf_ns);
    }
  }
  WriteBpfStats(stats_before);
  printf("\nstacks without frame pointers: %s\n", o.nofp_loop.c_str());
  printf("%-44s %-7s %10s %10s   %s\n", "measurement", "unit", "median", "min", "runs");
  for (const Mode& m : modes) PrintRow(m.name, "ns/pair", m.ns, "%.1f");
  for (const Mode& m : modes) {
    PrintRow(absl::StrCat(m.name, " BPF").c_str(), "ns/run", m.bpf_ns, "%.0f");
  }
  // The allocating program runs at entry and at return: a stack is taken
  // once per two runs.
  std::vector<double> fp_stack, cfi_stack;
  for (int r = 0; r < o.runs; r++) {
    fp_stack.push_back(2 * (modes[1].bpf_ns[r] - modes[0].bpf_ns[r]));
    cfi_stack.push_back(2 * (modes[2].bpf_ns[r] - modes[0].bpf_ns[r]));
  }
  PrintRow("stack per allocation, frame pointers", "ns", fp_stack, "%.0f");
  PrintRow("stack per allocation, CFI walk", "ns", cfi_stack, "%.0f");
  PrintRatio("CFI vs frame-pointer stack per allocation", cfi_stack, fp_stack);
  PrintRatio("BPF per run, full tracing: CFI vs fp (n5/n4)", modes[4].bpf_ns, modes[3].bpf_ns);
  PrintRatio("loop, full tracing: CFI vs fp (n5/n4)", modes[4].ns, modes[3].ns);

  // allocprof -v names every table it loads: "unwind table for PATH: N rows (K KiB)".
  absl::StatusOr<std::unique_ptr<Child>> started =
      Child::Start(with({"-v", "--floor"}));
  if (!started.ok()) Die(started.status(), "allocprof -v");
  Child& c = **started;
  absl::Status s = c.Finish(kReportTimeoutS);
  if (!s.ok()) Die(Failed(c, s), "allocprof -v");
  printf("\nunwind tables (BPF memory, 8 bytes a row):\n");
  uint64_t sum_rows = 0;
  for (absl::string_view line : absl::StrSplit(c.err(), '\n')) {
    constexpr absl::string_view kPrefix = "allocprof: unwind table for ";
    if (!absl::StartsWith(line, kPrefix)) continue;
    line.remove_prefix(kPrefix.size());
    const size_t colon = line.rfind(": ");
    uint64_t rows = 0;
    if (colon == absl::string_view::npos ||
        !absl::SimpleAtoi(line.substr(colon + 2, line.find(' ', colon + 2) - colon - 2), &rows)) {
      continue;
    }
    absl::string_view path = line.substr(0, colon);
    const bool counted = absl::StrContains(path, "/libc.so") ||
                         absl::StrContains(path, "/libstdc++.so") ||
                         absl::EndsWith(path, "/malloc_loop_nofp");
    if (counted) sum_rows += rows;
    printf("  %-70.*s %8" PRIu64 " rows %8.1f KiB%s\n", static_cast<int>(path.size()),
           path.data(), rows, rows * 8 / 1024.0, counted ? "" : "  (not in the sum)");
  }
  printf("  libc + libstdc++ + the program: %" PRIu64 " rows, %.1f KiB\n", sum_rows,
         sum_rows * 8 / 1024.0);
}

// `name` as posix_spawn needs it: a path as is, a bare name looked up in
// PATH as a shell would; "" when no directory of PATH has it.
std::string FindProgram(const std::string& name) {
  if (absl::StrContains(name, '/')) return name;
  const char* path = getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "/usr/bin:/bin", ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

struct JavaRun {
  double ns_per_pair = 0;
  uint64_t iterations = 0;
  std::string err;  // allocprof's stderr; empty untraced
  bool interrupted = false;
};

// How long a JVM may take to start, warm up and wait for its JIT to be idle
// (a few seconds; much more on a host busy with builds).
constexpr double kJvmReadyTimeoutS = 120;

// Runs DirectLoop in a JVM and, unless `tracer_options` is empty, attaches
// `allocprof OPTIONS -p PID` once the JVM is ready; lets the loop go (SIGUSR1)
// when the probes are live, takes the loop's figure, and waits for the JVM
// to exit, then for allocprof, which ends when its target does.
absl::StatusOr<JavaRun> RunJava(const Options& o, const std::string& java,
                                const std::vector<std::string>& tracer_options) {
  absl::StatusOr<std::unique_ptr<Child>> jvm_started = Child::Start(
      {java, "-cp", o.java_jar, "DirectLoop", "--target-ms", std::to_string(o.target_ms)});
  if (!jvm_started.ok()) return jvm_started.status();
  Child& jvm = **jvm_started;
  // The JVM's own PID, from its line: the one to trace and to signal.
  pid_t pid = 0;
  auto on_ready = [&](Stream s, absl::string_view line) {
    return s == Stream::kOut && absl::ConsumePrefix(&line, "ready pid=") &&
           absl::SimpleAtoi(line, &pid) && pid > 0;
  };
  absl::StatusOr<bool> ready = jvm.ReadUntil(kJvmReadyTimeoutS, on_ready);
  if (!ready.ok() || !*ready) {
    return Failed(jvm, ready.ok() ? absl::InternalError("exited before it was ready")
                                  : ready.status());
  }

  std::unique_ptr<Child> ap;
  if (!tracer_options.empty()) {
    std::vector<std::string> argv = {o.allocprof, kGuardOff};
    argv.insert(argv.end(), tracer_options.begin(), tracer_options.end());
    argv.insert(argv.end(), {"-p", std::to_string(pid)});
    absl::StatusOr<std::unique_ptr<Child>> ap_started = Child::Start(std::move(argv));
    if (!ap_started.ok()) return ap_started.status();
    ap = *std::move(ap_started);
    absl::StatusOr<bool> traced = ap->ReadUntil(120, [](Stream s, absl::string_view line) {
      return s == Stream::kErr && absl::StartsWith(line, kTracingLine);
    });
    if (!traced.ok()) {
      ap->Finish(0).IgnoreError();
      return Failed(*ap, absl::Status(traced.status().code(),
                                      absl::StrCat("no `", kTracingLine, "` line: ",
                                                   traced.status().message())));
    }
    if (!*traced) {
      absl::Status why = ap->CheckExit();
      return Failed(*ap, absl::InternalError(absl::StrCat(
                             "it exited without a `", kTracingLine, "` line",
                             why.ok() ? "" : ": ", why.ok() ? "" : why.message())));
    }
  }

  if (kill(pid, SIGUSR1) != 0) {
    return Failed(jvm, ErrnoStatus(errno, absl::StrCat("cannot signal PID ", pid)));
  }
  JavaRun run;
  FigureReader figure{&run.ns_per_pair, &run.iterations};
  auto on_line = std::ref(figure);
  // The JVM's output in short slices, allocprof's pipes drained in between:
  // allocprof blocked on a full pipe would stop reading its ring buffer.
  const double deadline = NowS() + 600;
  for (;;) {
    absl::StatusOr<bool> got = jvm.ReadUntil(0.05, on_line);
    if (got.ok()) break;  // the figure, or the JVM's exit (checked below)
    if (!absl::IsDeadlineExceeded(got.status())) return Failed(jvm, got.status());
    if (NowS() >= deadline) {
      jvm.Finish(0).IgnoreError();
      return Failed(jvm, absl::DeadlineExceededError("no figure within 600 s"));
    }
    if (ap) {
      auto never = [](Stream, absl::string_view) { return false; };
      absl::StatusOr<bool> ap_out = ap->ReadUntil(0.001, never);
      if (ap_out.ok()) {
        // allocprof ends when its target does: the JVM may have printed its
        // figure and exited in the meantime.
        absl::StatusOr<bool> late = jvm.ReadUntil(2, on_line);
        if (late.ok() && figure.seen) break;
        absl::Status why = ap->CheckExit();
        return Failed(*ap, absl::InternalError(absl::StrCat(
                               "it exited while its target ran", why.ok() ? "" : ": ",
                               why.ok() ? "" : why.message())));
      }
      if (!absl::IsDeadlineExceeded(ap_out.status())) return Failed(*ap, ap_out.status());
    }
  }
  if (!figure.error.ok()) return Failed(jvm, figure.error);
  absl::Status s = jvm.Finish(kReportTimeoutS);
  if (!s.ok()) return Failed(jvm, s);
  s = jvm.CheckExit();
  if (!s.ok()) return Failed(jvm, s);
  if (!figure.seen) {
    return Failed(jvm, absl::InternalError("the loop printed no `ns_per_pair=` line"));
  }
  if (ap) {
    s = ap->Finish(kReportTimeoutS);
    if (!s.ok()) return Failed(*ap, s);
    s = ap->CheckExit();
    if (!s.ok()) return Failed(*ap, s);
    run.err = ap->err();
    run.interrupted = ap->interrupted();
    // allocprof had the JVM write its perf map (jcmd Compiler.perfmap); the
    // JVM is gone and nothing else reads the file.
    unlink(absl::StrCat("/tmp/perf-", pid, ".map").c_str());
  }
  return run;
}

// The stack of a folded profile ("frame;...;leaf BYTES", outermost first)
// with the most bytes among those with a frame that starts with `function`.
struct FoldedStack {
  std::vector<std::string> frames;
  int64_t bytes = 0;
};

std::optional<FoldedStack> LargestStackThrough(const std::string& folded,
                                               absl::string_view function) {
  std::optional<FoldedStack> largest;
  for (absl::string_view line : absl::StrSplit(folded, '\n', absl::SkipEmpty())) {
    const size_t space = line.rfind(' ');
    FoldedStack stack;
    if (space == absl::string_view::npos ||
        !absl::SimpleAtoi(line.substr(space + 1), &stack.bytes)) {
      continue;
    }
    stack.frames = absl::StrSplit(line.substr(0, space), ';');
    bool through = false;
    for (const std::string& f : stack.frames) through |= absl::StartsWith(f, function);
    if (through && (!largest || stack.bytes > largest->bytes)) largest = std::move(stack);
  }
  return largest;
}

bool HasFrameStartingWith(const FoldedStack& stack, absl::string_view prefix) {
  for (const std::string& f : stack.frames) {
    if (absl::StartsWith(f, prefix)) return true;
  }
  return false;
}

// Frames without a function's name: an interpreted frame whose method is
// not known ("Interpreter"), code without a symbol ("0x..."), "[unknown]".
int UnnamedFrames(const FoldedStack& stack) {
  int n = 0;
  for (const std::string& f : stack.frames) {
    n += f == "Interpreter" || f == "[unknown]" || absl::StartsWith(f, "0x");
  }
  return n;
}

std::string ReadWholeFile(const std::string& path) {
  std::string text;
  if (FILE* f = fopen(path.c_str(), "re")) {
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
    fclose(f);
  }
  return text;
}

// A JVM that allocates direct memory: DirectLoop (Unsafe.allocateMemory(64)
// and freeMemory, the path of ByteBuffer.allocateDirect and Netty to malloc
// through libjvm's Unsafe_AllocateMemory0) on the JDK with default flags,
// traced with -p once it runs, as a JVM in service would be. BPF statistics
// are on, as for the stacks without frame pointers, so that the allocating
// program's own cost is read apart from the trap cost. Then the stack of the
// loop's allocations in full tracing's report: how many frames it has and
// whether the walk got through the Java frames to the thread's start.
// `java` is o.java found in PATH.
void RunJavaComparison(const Options& o, const std::string& java) {
  // Full tracing's folded stacks, rewritten by every (j3) run.
  char folded_path[] = "/tmp/bench_overhead_java.XXXXXX";
  const int folded_fd = mkstemp(folded_path);
  if (folded_fd < 0) Die(ErrnoStatus(errno, "mkstemp"), "a temporary file");
  close(folded_fd);
  const std::string stats_before = ReadBpfStats();
  WriteBpfStats("1");
  auto fail = [&](const absl::Status& s, absl::string_view during) {
    WriteBpfStats(stats_before);
    unlink(folded_path);
    Die(s, during);
  };

  struct Mode {
    const char* name;
    std::vector<std::string> tracer_options;  // empty: untraced
    std::vector<double> ns;
    std::vector<double> bpf_ns;
  };
  Mode modes[] = {
      {"(j1) JVM untraced", {}, {}, {}},
      {"(j2) allocprof --floor-stacks -p", {"-v", "--floor-stacks"}, {}, {}},
      {"(j3) allocprof -p", {"-v", "--folded", folded_path}, {}, {}},
  };
  std::vector<double> frames, unnamed_frames;
  std::vector<bool> reaches_start;
  std::optional<FoldedStack> last_stack;
  bool interrupted = false;
  for (int r = 0; r < o.runs; r++) {
    for (Mode& m : modes) {
      // Emptied, so that a run that writes no stacks cannot count the last one's.
      if (&m == &modes[2] && truncate(folded_path, 0) != 0) {
        fail(ErrnoStatus(errno, absl::StrCat("cannot empty ", folded_path)), m.name);
      }
      absl::StatusOr<JavaRun> run = RunJava(o, java, m.tracer_options);
      if (!run.ok()) fail(run.status(), m.name);
      // Uprobe sessions: one program serves malloc's entry and its return.
      const double bpf_ns = BpfNsPerRun(run->err, "ap_alloc_session");
      fprintf(stderr, "bench_overhead: run %d/%d %-34s %10.1f ns/pair", r + 1, o.runs, m.name,
              run->ns_per_pair);
      if (!m.tracer_options.empty()) fprintf(stderr, ", %6.0f ns/BPF run", bpf_ns);
      fprintf(stderr, "\n");
      m.ns.push_back(run->ns_per_pair);
      m.bpf_ns.push_back(bpf_ns);
      interrupted |= run->interrupted;
      if (&m != &modes[2]) continue;
      std::optional<FoldedStack> stack =
          LargestStackThrough(ReadWholeFile(folded_path), "Unsafe_AllocateMemory0");
      if (!stack) {
        fail(absl::NotFoundError(absl::StrCat(
                 "the folded stacks of `", o.allocprof, " ", absl::StrJoin(m.tracer_options, " "),
                 " -p PID` have no stack through Unsafe_AllocateMemory0")),
             m.name);
      }
      frames.push_back(static_cast<double>(stack->frames.size()));
      unnamed_frames.push_back(UnnamedFrames(*stack));
      reaches_start.push_back(HasFrameStartingWith(*stack, "JavaMain"));
      last_stack = std::move(stack);
    }
  }
  WriteBpfStats(stats_before);
  unlink(folded_path);

  printf("\nJava: Unsafe.allocateMemory(64)+freeMemory pairs in a JVM, default flags, "
         "traced with -p, %d run%s of each%s\n",
         o.runs, o.runs == 1 ? "" : "s", o.quick ? " (--quick: a smoke run, not figures)" : "");
  printf("  java       %s\n  program    DirectLoop in %s (timed loop ~%d ms after warm-up)\n\n",
         java.c_str(), o.java_jar.c_str(), o.target_ms);
  printf("%-48s %-7s %10s %10s   %s\n", "measurement", "unit", "median", "min", "runs");
  for (const Mode& m : modes) PrintRow(m.name, "ns/pair", m.ns, "%.1f");
  for (const Mode& m : modes) {
    if (m.tracer_options.empty()) continue;
    PrintRow(absl::StrCat(m.name, " BPF").c_str(), "ns/run", m.bpf_ns, "%.0f");
  }
  PrintRatio("j2/j1 floor with stacks vs untraced", modes[1].ns, modes[0].ns);
  PrintRatio("j3/j1 full tracing vs untraced", modes[2].ns, modes[0].ns);
  PrintRatio("j3/j2 full tracing vs floor with stacks", modes[2].ns, modes[1].ns);
  PrintRow("(j3) largest stack via Unsafe_AllocateMemory0", "frames", frames, "%.0f");
  PrintRow("(j3)   of which unnamed (Interpreter, 0x...)", "frames", unnamed_frames, "%.0f");
  std::string yes_no;
  size_t yes = 0;
  for (bool b : reaches_start) {
    absl::StrAppend(&yes_no, yes_no.empty() ? "" : " ", b ? "yes" : "no");
    yes += b;
  }
  const std::string all = yes == reaches_start.size() ? "yes"
                          : yes == 0 ? "no"
                                     : absl::StrCat(yes, " of ", reaches_start.size());
  printf("%-48s %-7s %10s %10s   %s\n", "(j3)   it reaches the thread's start (JavaMain)", "",
         all.c_str(), "", yes_no.c_str());

  printf("\nnotes:\n"
         "- BPF ns/run: the kernel's count for ap_alloc_session, which runs at malloc's\n"
         "  entry and at its return (kernel.bpf_stats_enabled on for these runs); every\n"
         "  malloc of the JVM's threads counts, not only the loop's.\n"
         "- each pair frees the block of the pair before, so the block of the timed loop's\n"
         "  last pair is outstanding when the JVM exits: its stack is the loop's.\n");
  if (last_stack) {
    printf("- that stack in the last (j3) run, outermost first (%" PRId64 " bytes):\n",
           last_stack->bytes);
    for (const std::string& f : last_stack->frames) printf("    %s\n", f.c_str());
    if (UnnamedFrames(*last_stack) > 0) {
      printf("- allocprof reads the names of interpreted frames (their Method*) and the\n"
             "  methods inlined into compiled ones (the code cache) from the JVM's memory when\n"
             "  it writes the report; the JVM has exited by then, so interpreted frames show\n"
             "  as `Interpreter` and compiled ones by their perf-map name alone (a method\n"
             "  compiled after the perf map was written, as a bare address).\n");
    }
  }
  if (interrupted) {
    printf("- allocprof did not exit within %.0f s of its target and was stopped with "
           "SIGINT.\n", kReportTimeoutS);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseOptions(argc, argv);
  for (const std::string* path : {&o.allocprof, &o.loop}) {
    if (path->empty() && o.only_java) continue;
    if (access(path->c_str(), X_OK) != 0) {
      fprintf(stderr, "bench_overhead: cannot run %s: %s\n", path->c_str(), strerror(errno));
      return 1;
    }
  }
  // Checked before any run, not after the minutes of the other sections.
  std::string java;
  if (!o.java_jar.empty()) {
    java = FindProgram(o.java);
    if (java.empty() || access(java.c_str(), X_OK) != 0) {
      fprintf(stderr, "bench_overhead: cannot run %s: %s\n", o.java.c_str(),
              java.empty() ? "not found in PATH" : strerror(errno));
      return 1;
    }
    if (access(o.java_jar.c_str(), R_OK) != 0) {
      fprintf(stderr, "bench_overhead: cannot read %s: %s\n", o.java_jar.c_str(),
              strerror(errno));
      return 1;
    }
  }
  if (o.only_java) {
    RunJavaComparison(o, java);
    return 0;
  }
  // Each loop picks its own iteration count to last about this long.
  const std::string target = std::to_string(o.target_ms);
  const std::vector<std::string> loop = {o.loop, "--target-ms", target};
  const std::vector<std::string> loop2 = {o.loop, "--target-ms", target, "--threads", "2"};
  // allocprof with `options`, running `command`.
  auto under = [&o](std::vector<std::string> options, const std::vector<std::string>& command) {
    options.insert(options.begin(), {o.allocprof, kGuardOff});
    options.push_back("--");
    options.insert(options.end(), command.begin(), command.end());
    return options;
  };
  const std::string bpftrace = FindBpftrace();
  const std::string libc = "/lib/x86_64-linux-gnu/libc.so.6";

  struct Mode {
    const char* name;
    std::vector<std::string> argv;
    std::vector<LoopRun> runs;
  };
  std::vector<Mode> modes = {
      {"(a) untraced", loop, {}},
      {"(b) allocprof --floor", under({"--floor"}, loop), {}},
      {"(c) allocprof --floor-stacks", under({"--floor-stacks"}, loop), {}},
      // -v: allocprof's own CPU per record, read from its stderr.
      {"(d) allocprof", under({"-v"}, loop), {}},
      {"(e) allocprof --sample-bytes 512K", under({"--sample-bytes", "512K"}, loop), {}},
      {"(f) --nosessions --floor", under({"--nosessions", "--floor"}, loop), {}},
      {"(g) --nosessions", under({"--nosessions"}, loop), {}},
      {"(h) allocprof --mode pages", under({"--mode", "pages"}, loop), {}},
      {"(i) 2 threads: untraced", loop2, {}},
      {"(j) 2 threads: allocprof", under({}, loop2), {}},
      {"(k) 2 threads: --sample-bytes 512K", under({"--sample-bytes", "512K"}, loop2), {}},
      {"(l) 2 threads: --mode pages", under({"--mode", "pages"}, loop2), {}},
  };
  if (!bpftrace.empty()) {
    modes.push_back({"(m) bpftrace memleak-style script",
                     {bpftrace, "-e", MemleakScript(libc), "-c", absl::StrJoin(loop, " ")},
                     {}});
  }
  std::vector<AttachRun> attach;

  // Interleaved (a b c, a b c, ...) so that a slow phase of the host shows
  // up in every mode rather than in one.
  for (int r = 0; r < o.runs; r++) {
    for (Mode& m : modes) {
      absl::StatusOr<LoopRun> run = RunLoop(m.argv);
      if (!run.ok()) Die(run.status(), m.name);
      fprintf(stderr, "bench_overhead: run %d/%d %-36s %10.1f ns/pair, %" PRIu64 " pairs\n",
              r + 1, o.runs, m.name, run->ns_per_pair, run->iterations);
      m.runs.push_back(*run);
    }
  }
  for (int r = 0; r < o.runs; r++) {
    absl::StatusOr<AttachRun> run = RunAttach(o.allocprof, o.loop);
    if (!run.ok()) Die(run.status(), "allocprof -p");
    fprintf(stderr, "bench_overhead: run %d/%d attach %8.1f ms\n", r + 1, o.runs,
            run->attach_ms);
    attach.push_back(*run);
  }

  std::vector<double> a = Field(modes[0].runs, &LoopRun::ns_per_pair);
  std::vector<double> b = Field(modes[1].runs, &LoopRun::ns_per_pair);
  std::vector<double> c = Field(modes[2].runs, &LoopRun::ns_per_pair);
  std::vector<double> d = Field(modes[3].runs, &LoopRun::ns_per_pair);
  std::vector<double> e = Field(modes[4].runs, &LoopRun::ns_per_pair);
  std::vector<double> f = Field(modes[5].runs, &LoopRun::ns_per_pair);
  std::vector<double> g = Field(modes[6].runs, &LoopRun::ns_per_pair);
  std::vector<double> h = Field(modes[7].runs, &LoopRun::ns_per_pair);
  std::vector<double> i2 = Field(modes[8].runs, &LoopRun::ns_per_pair);
  std::vector<double> j2 = Field(modes[9].runs, &LoopRun::ns_per_pair);
  std::vector<double> k2 = Field(modes[10].runs, &LoopRun::ns_per_pair);
  std::vector<double> l2 = Field(modes[11].runs, &LoopRun::ns_per_pair);
  std::vector<double> attach_ms, exit_ms, attach_rss, map_rss;
  for (const AttachRun& r : attach) {
    if (r.bpf_map_rss_mib >= 0) map_rss.push_back(r.bpf_map_rss_mib);
    attach_ms.push_back(r.attach_ms);
    exit_ms.push_back(r.exit_ms);
    attach_rss.push_back(r.maxrss_mib);
  }

  printf("\nallocprof overhead: malloc(16..4096)+free pairs, one thread unless said, %d run%s "
         "of each%s\n",
         o.runs, o.runs == 1 ? "" : "s", o.quick ? " (--quick: a smoke run, not figures)" : "");
  printf("  allocprof  %s\n  loop       %s (timed loop ~%d ms after warm-up)\n\n",
         o.allocprof.c_str(), o.loop.c_str(), o.target_ms);
  printf("%-48s %-7s %10s %10s   %s\n", "measurement", "unit", "median", "min", "runs");
  for (const Mode& m : modes) {
    PrintRow(m.name, "ns/pair", Field(m.runs, &LoopRun::ns_per_pair), "%.1f");
  }
  PrintRatio("d/a full tracing vs untraced", d, a);
  PrintRatio("b/a probe floor vs untraced", b, a);
  PrintRatio("d/b full tracing vs floor", d, b);
  PrintRatio("d/c full tracing vs floor with stacks", d, c);
  PrintRatio("e/a sampled vs untraced", e, a);
  PrintRatio("e/b sampled vs floor", e, b);
  PrintRatio("g/f plain uprobes: full vs their floor", g, f);
  PrintRatio("h/a pages mode vs untraced", h, a);
  PrintRatio("j/i 2 threads: full tracing vs untraced", j2, i2);
  PrintRatio("j/d 2 threads vs 1 thread, full tracing", j2, d);
  PrintRatio("k/i 2 threads: sampled vs untraced", k2, i2);
  PrintRatio("l/i 2 threads: pages mode vs untraced", l2, i2);
  if (!bpftrace.empty()) {
    std::vector<double> m = Field(modes[12].runs, &LoopRun::ns_per_pair);
    PrintRatio("m/d bpftrace memleak-style vs allocprof", m, d);
    PrintRatio("m/a bpftrace memleak-style vs untraced", m, a);
  }
  for (const Mode& m : modes) {
    std::string label = absl::StrCat(m.name, " pairs timed");
    std::vector<double> pairs;
    for (const LoopRun& r : m.runs) pairs.push_back(static_cast<double>(r.iterations));
    PrintRow(label.c_str(), "pairs", pairs, "%.0f");
  }
  PrintRow("(d) allocprof run, spawn to exit", "s", Field(modes[3].runs, &LoopRun::wall_s),
           "%.2f");
  std::vector<double> userspace_ns;
  for (const LoopRun& r : modes[3].runs) userspace_ns.push_back(UserspaceNsPerRecord(r.err));
  PrintRow("(d) allocprof's own CPU per record", "ns", userspace_ns, "%.0f");
  PrintRow("attach time, allocprof -p", "ms", attach_ms, "%.1f");
  PrintRow("exit time, -p target's exit to allocprof's", "ms", exit_ms, "%.1f");
  PrintRow("peak RSS of allocprof during (d)", "MiB", Field(modes[3].runs, &LoopRun::maxrss_mib),
           "%.1f");
  PrintRow("peak RSS of allocprof -p, idle target", "MiB", attach_rss, "%.1f");
  if (map_rss.size() == attach.size()) {
    PrintRow("  of which mapped BPF maps (ring buffer)", "MiB", map_rss, "%.1f");
  }
  PrintRow("peak RSS of the loop alone (a)", "MiB", Field(modes[0].runs, &LoopRun::maxrss_mib),
           "%.1f");

  printf(
      "\nnotes:\n"
      "- ratios: the median column divides medians, the min column divides minima.\n"
      "- (b)-(e) use uprobe sessions where the kernel has them, (f)-(g) plain uprobes\n"
      "  and uretprobes. Probes sit on emulated instructions (glibc's free at free+3).\n"
      "  (c) is (b) plus the user stack at each allocation: the floor of full tracing\n"
      "  with stacks.\n"
      "- two threads: each thread times its own loop; ns/pair is the mean of the\n"
      "  threads' own cost per pair, on a host with 2 vCPUs both busy.\n"
      "- (m) attaches at offset 0 of free (single-stepped), as every uprobe-based\n"
      "  peer does.\n"
      "- peak RSS is wait4()'s ru_maxrss, which also covers the children allocprof reaped\n"
      "  (the loop); the loop alone peaks at the last row's figure.\n"
      "- mapped BPF maps: kernel pages, resident from load on, sampled from\n"
      "  /proc/PID/smaps once attached. libbpf maps a ring buffer's data pages twice\n"
      "  (so records that wrap read contiguously): N MiB of ring buffer show as 2N MiB.\n");
  bool interrupted = false;
  for (const Mode& m : modes)
    for (const LoopRun& r : m.runs) interrupted |= r.interrupted;
  bool attach_interrupted = false;
  for (const AttachRun& r : attach) attach_interrupted |= r.interrupted;
  // What each full-rate run says it lost, the one- and two-thread ones.
  for (int which : {3, 9}) {
    const LoopRun& last = modes[which].runs.back();
    if (last.report_lines.empty()) continue;
    printf("- allocprof's report of the last %s run (its events include warm-up\n"
           "  and calibration):\n", modes[which].name);
    for (const std::string& line : last.report_lines) printf("    %s\n", line.c_str());
  }
  if (bpftrace.empty()) {
    printf("- bpftrace is not installed: no peer figure (scripts/install-deps.sh "
           "--with-bench).\n");
  }
  if (interrupted) {
    printf("- allocprof did not exit within %.0f s of its target's figure and was stopped "
           "with SIGINT; its wall time includes that wait.\n", kReportTimeoutS);
  }
  if (attach_interrupted) {
    printf("- allocprof -p did not exit within %.0f s of its target and was stopped with "
           "SIGINT.\n", kAttachedExitTimeoutS);
  }
  if (!o.nofp_loop.empty()) RunNofpComparison(o);
  if (!o.java_jar.empty()) RunJavaComparison(o, java);
  return 0;
}
