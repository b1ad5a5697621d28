// The probes apply to the traced process only: uprobes patch the shared libc
// page per process, and a process allocprof was not asked to trace must keep
// its original instructions (and its speed).
#include <signal.h>

#include "gtest/gtest.h"
#include "tests/e2e/session.h"

namespace allocprof::e2e {
namespace {

using ProbeScopeTest = E2eTest;

TEST_F(ProbeScopeTest, BreakpointOnlyInTracedProcess) {
  Target bystander, leaks;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kBystander, {}, &bystander));
  ASSERT_NO_FATAL_FAILURE(StartTarget(kLeaks, {}, &leaks));
  // Otherwise the test would prove nothing about sharing.
  ASSERT_EQ(MappedFile(bystander.pid, bystander.malloc_addr),
            MappedFile(leaks.pid, leaks.malloc_addr))
      << "the two programs do not take malloc from the same file";
  ASSERT_NE(MappedFile(leaks.pid, leaks.malloc_addr), "");

  uint8_t byte = 0;
  ASSERT_NO_FATAL_FAILURE(MallocByte(bystander, &byte));
  ASSERT_NE(byte, kBreakpoint) << "bystander's malloc is already probed (by "
                                  "another tracer?)";

  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(
      StartTracing({"-p", std::to_string(leaks.pid)}, leaks.pid, &ap));

  ASSERT_NO_FATAL_FAILURE(MallocByte(leaks, &byte));
  EXPECT_EQ(byte, kBreakpoint) << "allocprof says it is tracing, but the "
                                  "target's malloc has no breakpoint";
  ASSERT_NO_FATAL_FAILURE(MallocByte(bystander, &byte));
  EXPECT_NE(byte, kBreakpoint) << "a process allocprof does not trace got a "
                                  "breakpoint at malloc";

  ASSERT_NO_FATAL_FAILURE(RunScenarios(&leaks));
  ASSERT_NO_FATAL_FAILURE(MallocByte(bystander, &byte));
  EXPECT_NE(byte, kBreakpoint) << "after the target's scenarios ran";

  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  bystander.proc->Signal(SIGTERM);
  ASSERT_TRUE(bystander.proc->WaitExit(kRunTimeout));
  EXPECT_TRUE(ExitedWith(*bystander.proc, 0)) << bystander.proc->Describe();
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
