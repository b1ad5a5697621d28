#include "tests/e2e/session.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "tests/testprogs/testprog.h"

namespace allocprof::e2e {

const char* const kAllocprof = ALLOCPROF_E2E_ALLOCPROF;
const char* const kLeaks = ALLOCPROF_E2E_LEAKS;
const char* const kExecLeaks = ALLOCPROF_E2E_EXEC_LEAKS;
const char* const kStaticLeaks = ALLOCPROF_E2E_STATIC_LEAKS;
const char* const kThreads = ALLOCPROF_E2E_THREADS;
const char* const kBystander = ALLOCPROF_E2E_BYSTANDER;
const char* const kSampled = ALLOCPROF_E2E_SAMPLED;
const char* const kRisingRate = ALLOCPROF_E2E_RISING_RATE;

namespace {

constexpr char kTracingPrefix[] = "allocprof: tracing PID ";

std::string Quoted(const std::string& text) {
  return text.empty() ? "(empty)\n" : text + (text.back() == '\n' ? "" : "\n");
}

}  // namespace

Millis Scaled(int64_t ms) {
  const char* scale = std::getenv("ALLOCPROF_E2E_TIME_SCALE");
  const int factor = scale != nullptr ? std::atoi(scale) : 1;
  return Millis(ms * (factor >= 1 && factor <= 20 ? factor : 1));
}

std::string Outputs(const Process& p) {
  return "allocprof " + p.Describe() + "\n--- stdout:\n" + Quoted(p.out()) +
         "--- stderr:\n" + Quoted(p.err());
}

bool ExitedWith(const Process& p, int code) {
  return p.exited() && WIFEXITED(p.status()) && WEXITSTATUS(p.status()) == code;
}

void StartTarget(const std::string& path, const std::vector<std::string>& args,
                 Target* target, const std::vector<std::string>& env, const RunAs* as) {
  std::vector<std::string> argv{path};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string error;
  target->proc = Process::Start(argv, &error, env, as);
  ASSERT_NE(target->proc, nullptr) << "cannot start " << path << ": " << error;
  Process* p = target->proc.get();

  const bool ready = Process::PumpUntil(
      {p}, [p] { return !LineStartingWith(p->out(), "ready ").empty(); },
      kStartTimeout);
  ASSERT_TRUE(ready) << path << " printed no ready line (" << p->Describe()
                     << ")\nstdout:\n"
                     << Quoted(p->out()) << "stderr:\n"
                     << Quoted(p->err());

  int pid = 0;
  unsigned long malloc_addr = 0, free_addr = 0;
  const std::string line = LineStartingWith(p->out(), "ready ");
  ASSERT_EQ(sscanf(line.c_str(), TESTPROG_READY_FORMAT, &pid, &malloc_addr,
                   &free_addr),
            3)
      << "malformed ready line: " << line;
  ASSERT_EQ(pid, p->pid()) << line;
  target->pid = pid;
  target->malloc_addr = malloc_addr;
  target->free_addr = free_addr;
}

void RunScenarios(Target* target) {
  Process* p = target->proc.get();
  p->Signal(TESTPROG_GO_SIGNAL);
  const bool done = Process::PumpUntil(
      {p},
      [p] {
        return !LineStartingWith(p->out(), TESTPROG_DONE_LINE).empty() ||
               p->exited();
      },
      kRunTimeout);
  ASSERT_TRUE(done) << "target " << p->pid() << " did not finish its scenarios";
  ASSERT_FALSE(LineStartingWith(p->out(), TESTPROG_DONE_LINE).empty())
      << "target " << p->pid() << " ended early (" << p->Describe()
      << ")\nstdout:\n"
      << Quoted(p->out()) << "stderr:\n"
      << Quoted(p->err());
}

void StopTracingThenTarget(Process* allocprof, Target* target) {
  allocprof->Signal(SIGINT);
  ASSERT_TRUE(allocprof->WaitExit(kRunTimeout)) << Outputs(*allocprof);
  ASSERT_TRUE(ExitedWith(*allocprof, 0)) << Outputs(*allocprof);
  target->proc->Signal(SIGTERM);
  ASSERT_TRUE(target->proc->WaitExit(kRunTimeout)) << target->proc->Describe();
}

void MallocByte(const Target& target, uint8_t* byte) {
  std::string error;
  ASSERT_TRUE(ReadByte(target.pid, target.malloc_addr, byte, &error)) << error;
}

void StartTracing(const std::vector<std::string>& args, pid_t expect_pid,
                  std::unique_ptr<Process>* allocprof, pid_t* traced_pid,
                  const std::vector<std::string>& env) {
  std::vector<std::string> argv{kAllocprof};
  const bool guard_set = std::any_of(args.begin(), args.end(), [](const std::string& arg) {
    return arg.rfind("--max-overhead", 0) == 0 || arg.rfind("--max_overhead", 0) == 0;
  });
  if (!guard_set) argv.push_back("--max-overhead=0");
  argv.insert(argv.end(), args.begin(), args.end());
  std::string error;
  *allocprof = Process::Start(argv, &error, env);
  ASSERT_NE(*allocprof, nullptr) << "cannot start allocprof: " << error;
  Process* ap = allocprof->get();

  const bool tracing = Process::PumpUntil(
      {ap},
      [ap] {
        return !LineStartingWith(ap->err(), kTracingPrefix).empty() ||
               ap->exited();
      },
      kAttachTimeout);
  const std::string line = LineStartingWith(ap->err(), kTracingPrefix);
  ASSERT_FALSE(line.empty())
      << (tracing ? "allocprof ended without tracing\n"
                  : "allocprof did not say it was tracing within " +
                        std::to_string(kAttachTimeout.count()) + " ms\n")
      << Outputs(*ap);

  int pid = 0;
  ASSERT_EQ(sscanf(line.c_str() + sizeof(kTracingPrefix) - 1, "%d", &pid), 1)
      << "no pid in: " << line;
  if (expect_pid > 0) {
    ASSERT_EQ(pid, expect_pid) << line;
  }
  if (traced_pid) *traced_pid = pid;
}

void RunFailing(const std::vector<std::string>& argv, std::string* message,
                Failure how) {
  std::string error;
  std::unique_ptr<Process> ap = Process::Start(argv, &error);
  ASSERT_NE(ap, nullptr) << "cannot start " << argv[0] << ": " << error;
  Process* p = ap.get();
  // Stop at the tracing line too: a tracer that attached instead of failing
  // would otherwise run for its whole default duration.
  const bool ended = Process::PumpUntil(
      {p},
      [p] {
        return p->exited() ||
               p->err().find(kTracingPrefix) != std::string::npos;
      },
      kRunTimeout);
  const std::string& err = ap->err();
  ASSERT_EQ(err.find(kTracingPrefix), std::string::npos)
      << "allocprof attached instead of failing\n"
      << Outputs(*ap);
  ASSERT_TRUE(ended) << "allocprof did not end\n" << Outputs(*ap);

  EXPECT_TRUE(ExitedWith(*ap, how == Failure::kMisuse ? 2 : 1)) << Outputs(*ap);
  if (how == Failure::kError) {
    EXPECT_TRUE(std::count(err.begin(), err.end(), '\n') == 1 &&
                err.back() == '\n')
        << "stderr is not one line\n"
        << Outputs(*ap);
  }
  EXPECT_THAT(err, ::testing::StartsWith("allocprof: ")) << Outputs(*ap);
  *message = err.substr(0, err.find('\n'));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void E2eTest::SetUp() {
  ASSERT_EQ(geteuid(), 0u)
      << "the end-to-end tests load BPF programs and read other processes' "
         "memory: run them as root";
  programs_before_ = AllocprofPrograms();
  if (!programs_before_.empty()) {
    fprintf(stderr,
            "note: %zu ap_ BPF programs were loaded before this test; they "
            "are not counted as its leftovers\n",
            programs_before_.size());
  }
  char dir[] = "/tmp/allocprof-e2e-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  scratch_ = dir;
}

void E2eTest::TearDown() {
  if (scratch_.empty()) return;
  if (HasFailure()) {
    fprintf(stderr, "scratch files kept in %s\n", scratch_.c_str());
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
  }
}

std::string E2eTest::ScratchPath(const std::string& name) const {
  return scratch_ + "/" + name;
}

void E2eTest::ExpectNoProgramsLeft() {
  std::string left;
  const bool none = Eventually(
      [&] {
        left = NewAllocprofPrograms(programs_before_);
        return left.empty();
      },
      kReleaseTimeout);
  EXPECT_TRUE(none) << "BPF programs still loaded " << kReleaseTimeout.count()
                    << " ms after allocprof ended:" << left;
}

}  // namespace allocprof::e2e
