// However a trace ends, allocprof takes its probes and programs with it: the
// target keeps running with its original instructions, and no ap_ program
// stays loaded. Every ending except SIGKILL also prints the final report.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <ostream>
#include <string>

#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"

namespace allocprof::e2e {
namespace {

enum class Ending { kTargetExit, kSigint, kSigterm, kSigkill, kDuration };

std::string Name(Ending e) {
  switch (e) {
    case Ending::kTargetExit:
      return "TargetExit";
    case Ending::kSigint:
      return "Sigint";
    case Ending::kSigterm:
      return "Sigterm";
    case Ending::kSigkill:
      return "Sigkill";
    case Ending::kDuration:
      return "Duration";
  }
  return "?";
}

// Names the parameter in test output and in the test names ctest lists.
void PrintTo(Ending e, std::ostream* os) { *os << Name(e); }

class TeardownTest : public E2eTest,
                     public ::testing::WithParamInterface<Ending> {};

TEST_P(TeardownTest, LeavesNothingAttached) {
  const Ending ending = GetParam();
  const bool target_stays = ending != Ending::kTargetExit;

  Target leaks;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kLeaks,
                                      target_stays
                                          ? std::vector<std::string>{"--stay"}
                                          : std::vector<std::string>{},
                                      &leaks));
  std::vector<std::string> args{"-p", std::to_string(leaks.pid)};
  if (ending == Ending::kDuration) args.insert(args.end(), {"-d", "1"});
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(args, leaks.pid, &ap));

  // Without this the checks after the end would prove nothing.
  uint8_t byte = 0;
  ASSERT_NO_FATAL_FAILURE(MallocByte(leaks, &byte));
  ASSERT_EQ(byte, kBreakpoint) << "no breakpoint at malloc while tracing";

  ASSERT_NO_FATAL_FAILURE(RunScenarios(&leaks));
  switch (ending) {
    case Ending::kTargetExit:
      ASSERT_TRUE(leaks.proc->WaitExit(kRunTimeout));
      break;
    case Ending::kSigint:
      ap->Signal(SIGINT);
      break;
    case Ending::kSigterm:
      ap->Signal(SIGTERM);
      break;
    case Ending::kSigkill:
      ap->Signal(SIGKILL);
      break;
    case Ending::kDuration:
      break;
  }
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << "allocprof did not end\n"
                                         << Outputs(*ap);

  if (ending == Ending::kSigkill) {
    EXPECT_TRUE(WIFSIGNALED(ap->status()) && WTERMSIG(ap->status()) == SIGKILL)
        << Outputs(*ap);
  } else {
    EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
    EXPECT_TRUE(ParseReport(ap->out()).outstanding_bytes.has_value())
        << "no final report\n"
        << Outputs(*ap);
  }
  if (ending == Ending::kDuration) {
    EXPECT_GE(std::chrono::steady_clock::now() - started,
              std::chrono::seconds(1))
        << "allocprof ended before its 1 s duration";
  }

  if (target_stays) {
    std::string error;
    const bool restored = Eventually(
        [&] {
          return ReadByte(leaks.pid, leaks.malloc_addr, &byte, &error) &&
                 byte != kBreakpoint;
        },
        kReleaseTimeout);
    EXPECT_TRUE(restored) << "malloc of the still running target keeps its "
                             "breakpoint after allocprof ended "
                          << error;
    // The target must also survive the detach: it exits cleanly when asked.
    leaks.proc->Signal(SIGTERM);
    ASSERT_TRUE(leaks.proc->WaitExit(kRunTimeout));
    EXPECT_TRUE(ExitedWith(*leaks.proc, 0)) << leaks.proc->Describe();
  } else {
    EXPECT_TRUE(ExitedWith(*leaks.proc, 0)) << leaks.proc->Describe();
  }
  ExpectNoProgramsLeft();
}

INSTANTIATE_TEST_SUITE_P(Endings, TeardownTest,
                         ::testing::Values(Ending::kTargetExit, Ending::kSigint,
                                           Ending::kSigterm, Ending::kSigkill,
                                           Ending::kDuration),
                         [](const ::testing::TestParamInfo<Ending>& info) {
                           return Name(info.param);
                         });

}  // namespace
}  // namespace allocprof::e2e
