// Bad input ends allocprof with exit 1 and one readable line on stderr, and
// nothing stays attached or loaded.
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/allocator_checks.h"
#include "tests/e2e/session.h"

namespace allocprof::e2e {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

using ErrorsTest = E2eTest;

TEST_F(ErrorsTest, NoSuchPid) {
  // A child that has been reaped: its pid names no process (pids are reused
  // only after the whole pid range has been gone through).
  pid_t gone = fork();
  ASSERT_GE(gone, 0);
  if (gone == 0) _exit(0);
  ASSERT_EQ(waitpid(gone, nullptr, 0), gone);

  std::string message;
  ASSERT_NO_FATAL_FAILURE(
      RunFailing({kAllocprof, "-p", std::to_string(gone)}, &message));
  EXPECT_THAT(message, HasSubstr(std::to_string(gone)))
      << "the message should name the pid";
  ExpectNoProgramsLeft();
}

TEST_F(ErrorsTest, NoSuchCommand) {
  std::string message;
  ASSERT_NO_FATAL_FAILURE(
      RunFailing({kAllocprof, "--", "/nonexistent/cmd"}, &message));
  EXPECT_THAT(message, HasSubstr("/nonexistent/cmd"))
      << "the message should name the command";
  ExpectNoProgramsLeft();
}

// Misuse of the command line is told apart from a failure to trace (exit 2,
// not 1), and still explained in allocprof's own words.
TEST_F(ErrorsTest, CommandLineMisuse) {
  const std::vector<std::vector<std::string>> misuses = {
      {kAllocprof},                        // nothing to trace
      {kAllocprof, "--bogus", "-p", "1"},  // unknown option
      {kAllocprof, "-p", "notapid"},       // not a number
  };
  for (const std::vector<std::string>& argv : misuses) {
    SCOPED_TRACE(argv.size() > 1 ? argv[1] + " " + argv.back()
                                 : "no arguments");
    std::string message;
    RunFailing(argv, &message, Failure::kMisuse);
  }
  ExpectNoProgramsLeft();
}

// The output file is opened before anything is attached, so a typo costs
// nothing and leaves the target untouched.
TEST_F(ErrorsTest, UnwritableFoldedFile) {
  Target leaks;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kLeaks, {}, &leaks));
  const std::string path = "/nonexistent-dir/x.folded";
  std::string message;
  ASSERT_NO_FATAL_FAILURE(RunFailing(
      {kAllocprof, "--folded", path, "-p", std::to_string(leaks.pid)},
      &message));
  EXPECT_THAT(message, HasSubstr(path)) << "the message should name the file";

  uint8_t byte = 0;
  ASSERT_NO_FATAL_FAILURE(MallocByte(leaks, &byte));
  EXPECT_NE(byte, kBreakpoint);
  ExpectNoProgramsLeft();
  // The target never noticed: it still runs its scenarios to the end.
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&leaks));
}

// Numbers that parse but mean nothing are misuse too, told in one line.
TEST_F(ErrorsTest, NumbersOutOfRange) {
  const std::vector<std::vector<std::string>> misuses = {
      {kAllocprof, "-d", "nan", "-p", "1"},
      {kAllocprof, "-d", "inf", "-p", "1"},
      {kAllocprof, "-d", "-1", "-p", "1"},
      {kAllocprof, "--interval", "nan", "-p", "1"},
      {kAllocprof, "--interval=-2", "-p", "1"},
      {kAllocprof, "--sample-bytes", "18446744073709551615", "-p", "1"},
      {kAllocprof, "--sample-bytes", "2T", "-p", "1"},
      {kAllocprof, "--max-overhead", "nan", "-p", "1"},
      {kAllocprof, "--max-overhead", "-1", "-p", "1"},
      {kAllocprof, "--max-overhead", "101", "-p", "1"},
      {kAllocprof, "--alloc-fn", "libc.so.6:malloc:size=ARG1:ret:out=ARG2", "-p", "1"},
  };
  for (const std::vector<std::string>& argv : misuses) {
    SCOPED_TRACE(argv[1] + " " + argv[2]);
    std::string message;
    RunFailing(argv, &message, Failure::kMisuse);
    EXPECT_THAT(message, ContainsRegex("-d|--interval|--sample-bytes|--alloc-fn|--max-overhead"))
        << "the message should name the option";
  }
  ExpectNoProgramsLeft();
}

// A kernel thread has nothing to trace, and is said to be one rather than
// mistaken for a process that exited.
TEST_F(ErrorsTest, KernelThread) {
  std::string message;
  ASSERT_NO_FATAL_FAILURE(RunFailing({kAllocprof, "-p", "2"}, &message));
  EXPECT_THAT(message, HasSubstr("PID 2 is a kernel thread"));
  ExpectNoProgramsLeft();
}

// An output that is a device (or a directory) is refused before tracing,
// naming the option and the reason.
TEST_F(ErrorsTest, OutputThatIsNotAFile) {
  Target leaks;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kLeaks, {}, &leaks));
  std::string message;
  ASSERT_NO_FATAL_FAILURE(RunFailing(
      {kAllocprof, "--folded", "/dev/full", "-p", std::to_string(leaks.pid)}, &message));
  EXPECT_EQ(message, "allocprof: cannot write --folded /dev/full: not a regular file");
  ASSERT_NO_FATAL_FAILURE(RunFailing(
      {kAllocprof, "--json", "/tmp", "-p", std::to_string(leaks.pid)}, &message));
  EXPECT_THAT(message, HasSubstr("--json /tmp"));
  ExpectNoProgramsLeft();
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&leaks));
}

TEST_F(ErrorsTest, Unprivileged) {
  // setpriv drops to nobody with no capabilities before running allocprof.
  std::string message;
  ASSERT_NO_FATAL_FAILURE(
      RunFailing({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                  "--clear-groups", "--inh-caps=-all", kAllocprof, "-p", "1"},
                 &message));
  EXPECT_THAT(message, ContainsRegex("root|CAP_BPF"))
      << "the message should say what privilege is missing";
  ExpectNoProgramsLeft();
}

// A stripped static executable has no allocator symbol in any object it
// maps (its malloc is in the executable, unnamed): allocprof must refuse
// instead of tracing nothing.
TEST_F(ErrorsTest, StrippedStaticTarget) {
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kStaticLeaksStripped, {}, &target));
  std::string message;
  ASSERT_NO_FATAL_FAILURE(
      RunFailing({kAllocprof, "-p", std::to_string(target.pid)}, &message));
  EXPECT_THAT(message, ContainsRegex("allocator"))
      << "the message should say that no allocator was found";

  uint8_t byte = 0;
  ASSERT_NO_FATAL_FAILURE(MallocByte(target, &byte));
  EXPECT_NE(byte, kBreakpoint);
  ExpectNoProgramsLeft();
}

// The same for a launched command, refused at its entry point.
TEST_F(ErrorsTest, LaunchedStrippedStaticTarget) {
  std::string message;
  ASSERT_NO_FATAL_FAILURE(RunFailing(
      {kAllocprof, "--", kStaticLeaksStripped, "--now"}, &message));
  EXPECT_THAT(message, ContainsRegex("allocator"))
      << "the message should say that no allocator was found";
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
