// --interval prints running summaries while the trace goes on, before the
// final report.
#include <signal.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"

namespace allocprof::e2e {
namespace {

using IntervalTest = E2eTest;

TEST_F(IntervalTest, SummariesBeforeFinalReport) {
  Target leaks;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kLeaks, {"--stay"}, &leaks));
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-p", std::to_string(leaks.pid), "-d", "3", "--interval", "1"},
      leaks.pid, &ap));
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&leaks));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);

  const int summary = FirstIntervalSummaryLine(ap->out());
  const Report report = ParseReport(ap->out());
  ASSERT_GE(summary, 0) << "no running summary ('[<seconds>s] ...')\n"
                        << Outputs(*ap);
  ASSERT_GE(report.final_outstanding_line, 0) << "no final report\n"
                                              << Outputs(*ap);
  EXPECT_LT(summary, report.final_outstanding_line)
      << "the summary must come before the final report\n"
      << Outputs(*ap);

  leaks.proc->Signal(SIGTERM);
  ASSERT_TRUE(leaks.proc->WaitExit(kRunTimeout));
  EXPECT_TRUE(ExitedWith(*leaks.proc, 0)) << leaks.proc->Describe();
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
