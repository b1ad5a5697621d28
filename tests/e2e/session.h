// The steps every end-to-end test shares: start a test program and wait for
// its ready line, start allocprof and wait until it traces, and check that
// it left nothing behind.
//
// Helpers that can fail use gtest assertions and return void: call them
// through ASSERT_NO_FATAL_FAILURE.
#ifndef ALLOCPROF_TESTS_E2E_SESSION_H_
#define ALLOCPROF_TESTS_E2E_SESSION_H_

#include <stdint.h>
#include <sys/types.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/inspect.h"
#include "tests/e2e/process.h"

namespace allocprof::e2e {

// Built programs, from the build system (tests/e2e/CMakeLists.txt).
extern const char* const kAllocprof;
extern const char* const kLeaks;
extern const char* const kExecLeaks;  // exec_leaks_truth.h
extern const char* const kStaticLeaks;
extern const char* const kThreads;
extern const char* const kBystander;
extern const char* const kSampled;
extern const char* const kRisingRate;

// Time limits. Generous: they only matter when something hangs. Under an
// emulated CPU (the kernel matrix runs guests under qemu's TCG) everything
// is several times slower: ALLOCPROF_E2E_TIME_SCALE multiplies them.
Millis Scaled(int64_t ms);
inline const Millis kStartTimeout = Scaled(10000);   // a test program's ready line
inline const Millis kAttachTimeout = Scaled(30000);  // allocprof's "tracing" line
inline const Millis kRunTimeout = Scaled(20000);     // a scenario, or allocprof's exit
// How long the kernel may take to remove probes and free programs after
// allocprof's file descriptors are closed.
constexpr Millis kReleaseTimeout{3000};

// A test program past its ready line (see tests/testprogs/testprog.h).
struct Target {
  std::unique_ptr<Process> proc;
  pid_t pid = -1;
  uint64_t malloc_addr = 0;
  uint64_t free_addr = 0;
};

// Starts `path` with `args` and waits for its ready line. `env` holds
// "NAME=VALUE" entries added to its environment (LD_PRELOAD=...); `as`, a
// user to run it as.
void StartTarget(const std::string& path, const std::vector<std::string>& args,
                 Target* target, const std::vector<std::string>& env = {},
                 const RunAs* as = nullptr);

// Sends the go signal and waits for the done line.
void RunScenarios(Target* target);

// The first byte of the target's malloc.
void MallocByte(const Target& target, uint8_t* byte);

// Starts allocprof with `args` and waits for "allocprof: tracing PID <pid>"
// on its stderr. `expect_pid` > 0 must be the traced pid; the pid it names
// goes to *traced_pid if not null. `env` is added to allocprof's environment
// (and so to that of a command it launches), as for StartTarget.
// Ground truth is exact only when every call is traced: unless `args` set
// --max-overhead, the overhead guard is off (OverheadGuardTest tests it).
void StartTracing(const std::vector<std::string>& args, pid_t expect_pid,
                  std::unique_ptr<Process>* allocprof,
                  pid_t* traced_pid = nullptr,
                  const std::vector<std::string>& env = {});

// Ends a trace of a target started with TESTPROG_STAY_ARG (or one that
// otherwise waits for SIGTERM): SIGINT to allocprof, which must exit 0 after
// its report, then SIGTERM to the target, which must exit.
void StopTracingThenTarget(Process* allocprof, Target* target);

// How allocprof's interface says it fails.
enum class Failure {
  kError,   // exit 1, exactly one "allocprof: " line on stderr
  kMisuse,  // command-line misuse: exit 2, stderr starts with "allocprof: "
            // (a usage hint may follow)
};

// Runs `argv` (allocprof, or a command that runs it), expects allocprof to
// fail as `how` says without ever tracing, and returns the first stderr line.
void RunFailing(const std::vector<std::string>& argv, std::string* message,
                Failure how = Failure::kError);

// allocprof's stdout and stderr, for failure messages.
std::string Outputs(const Process& allocprof);

bool ExitedWith(const Process& p, int code);

// Base of every e2e test: checks for root, records the allocprof programs
// already loaded (so that a tracer someone else runs is not blamed on the
// test), and gives the test a scratch directory.
class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A path in the scratch directory.
  std::string ScratchPath(const std::string& name) const;

  // Expects that no allocprof program loaded since SetUp remains, polling
  // up to kReleaseTimeout.
  void ExpectNoProgramsLeft();

 private:
  std::set<BpfProgram> programs_before_;
  std::string scratch_;
};

std::string ReadFile(const std::string& path);

}  // namespace allocprof::e2e

#endif  // ALLOCPROF_TESTS_E2E_SESSION_H_
