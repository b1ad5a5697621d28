// allocprof's numbers against the exact ground truth of the test programs
// (tests/testprogs/*_truth.h), through the folded output and the report.
#include <signal.h>

#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/exec_leaks_truth.h"
#include "tests/testprogs/leaks_truth.h"
#include "tests/testprogs/testprog.h"
#include "tests/testprogs/threads_truth.h"
#include "userspace/attach/kernel_features.h"

namespace allocprof::e2e {
namespace {

using ::testing::HasSubstr;

class FoldedTruthTest : public E2eTest {
 protected:
  // Checks a finished trace of `leaks` against leaks_truth.h. `after_exec`:
  // leaks was exec'd by the traced process, and its first steps (the
  // loader's, the ready line's buffer) may come before allocprof has
  // learnt its objects: their stacks may be truncated, no scenario's.
  void ExpectLeaksTruth(const Process& allocprof, const std::string& folded_path,
                        bool after_exec = false) {
    const std::string text = ReadFile(folded_path);
    const Folded folded = ParseFolded(text);
    const std::string context = "--- folded:\n" + text + Outputs(allocprof);
    EXPECT_TRUE(folded.malformed.empty())
        << "not 'frames BYTES': " << folded.malformed.front() << "\n"
        << context;
    for (const FoldedStack& s : folded.stacks) {
      EXPECT_GT(s.bytes, 0)
          << "folded output must hold outstanding bytes only: " << s.line;
    }

    uint64_t expected_total = 0;
    for (const leaks_expectation& e : leaks_expected) {
      expected_total += e.bytes;
      EXPECT_EQ(BytesThrough(folded, e.function), static_cast<int64_t>(e.bytes))
          << "outstanding bytes on stacks through " << e.function << ":\n"
          << StacksThrough(folded, e.function);
      std::vector<std::string> leaves;
      for (const char* const* l = e.leaves; *l; ++l) leaves.push_back(*l);
      // The allocator is entered by a call from the scenario's function; a
      // frame-pointer walk from the allocator's first instruction misses
      // that caller unless allocprof adds it back.
      EXPECT_TRUE(CallsDirectly(folded, e.function, leaves))
          << "no stack with " << e.function << " as the direct caller of "
          << (leaves.empty() ? std::string("its leaf") : leaves.front())
          << ":\n"
          << StacksThrough(folded, e.function);
    }
    for (const char* absent : leaks_absent) {
      EXPECT_EQ(BytesThrough(folded, absent), 0)
          << absent << " has nothing outstanding and must not appear:\n"
          << StacksThrough(folded, absent);
    }

    const Report report = ParseReport(allocprof.out());
    ASSERT_TRUE(report.outstanding_bytes.has_value()) << "no Outstanding line\n"
                                                      << context;
    EXPECT_GE(*report.outstanding_bytes, static_cast<int64_t>(expected_total))
        << "the report's total is below what leaks alone keeps";
    ASSERT_TRUE(report.allocated_bytes.has_value()) << "no Allocated line\n"
                                                    << context;
    EXPECT_GE(*report.allocated_bytes,
              static_cast<int64_t>(LEAKS_MIN_ALLOCATED_BYTES));
    EXPECT_GE(*report.freed_bytes, static_cast<int64_t>(LEAKS_MIN_FREED_BYTES));
    EXPECT_GE(*report.freed_objects,
              static_cast<int64_t>(LEAKS_MIN_FREED_OBJECTS));
    EXPECT_GE(*report.outstanding_objects, 0);
    ASSERT_TRUE(report.backing_bytes.has_value())
        << "no Allocator backing memory line\n"
        << context;
    // glibc serves leak_big_malloc with an mmap of its own.
    EXPECT_GE(*report.backing_bytes,
              static_cast<int64_t>(LEAK_BIG_MALLOC_SIZE));
    ASSERT_TRUE(report.lost.has_value()) << "no Lost line\n" << context;
    if (after_exec) {
      EXPECT_THAT(*report.lost, ::testing::AnyOf("none", ::testing::EndsWith(
          "stacks truncated (their bytes are counted; frames above [truncated] are missing)")));
      for (const leaks_expectation& e : leaks_expected) {
        for (const FoldedStack& s : folded.stacks) {
          if (absl::StrContains(s.line, e.function)) {
            EXPECT_FALSE(absl::StrContains(s.line, "[truncated]")) << s.line;
          }
        }
      }
    } else {
      EXPECT_EQ(*report.lost, "none")
          << "events were dropped, so every figure is a lower bound";
    }

    if (HasFailure()) std::cerr << "for reference:\n" << context;
  }
};

// -p: only what leaks does after the go signal is traced, including frees of
// blocks allocated before allocprof attached.
TEST_F(FoldedTruthTest, AttachedToRunningLeaks) {
  Target leaks;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kLeaks, {}, &leaks));
  const std::string folded = ScratchPath("leaks.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-p", std::to_string(leaks.pid), "--folded", folded}, leaks.pid, &ap));

  ASSERT_NO_FATAL_FAILURE(RunScenarios(&leaks));
  ASSERT_TRUE(leaks.proc->WaitExit(kRunTimeout));
  EXPECT_TRUE(ExitedWith(*leaks.proc, 0)) << leaks.proc->Describe();
  ASSERT_TRUE(ap->WaitExit(kRunTimeout))
      << "allocprof did not end when its target exited\n"
      << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);

  ExpectLeaksTruth(*ap, folded);
}

// -- CMD: held at its entry point, once the dynamic loader has mapped its
// libraries, and traced from there; the ground truth of each scenario
// function is the same.
TEST_F(FoldedTruthTest, LaunchedLeaks) {
  const std::string folded = ScratchPath("leaks.folded");
  std::unique_ptr<Process> ap;
  pid_t traced = 0;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-v", "--folded", folded, "--", kLeaks, "--now"}, 0, &ap, &traced));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout))
      << "allocprof did not end when its target exited\n"
      << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);

  ExpectLeaksTruth(*ap, folded);
  // Uprobe sessions where the kernel has them (Linux 6.13+), else uprobes
  // and uretprobes, with the same truth.
  EXPECT_THAT(ap->err(), HasSubstr(KernelFeatures::Probe().uprobe_session
                                       ? "heap probes are uprobe sessions"
                                       : "heap probes are uprobes and uretprobes"));
  // The loading of code is not memory the program holds.
  const Folded stacks = ParseFolded(ReadFile(folded));
  EXPECT_EQ(BytesThrough(stacks, "_dl_map_object"), 0)
      << StacksThrough(stacks, "_dl_map_object");
}

// -- CMD where the command is a wrapper that execs the program (a start
// script's `exec`): what the wrapper kept went with its address space; the
// figures are the program's, whose libraries the loader maps after the
// exec and which are not memory it holds either.
TEST_F(FoldedTruthTest, LaunchedWrapperThatExecs) {
  const std::string folded = ScratchPath("exec.folded");
  std::unique_ptr<Process> ap;
  pid_t traced = 0;
  ASSERT_NO_FATAL_FAILURE(StartTracing({"-v", "--folded", folded, "--", kExecLeaks, kLeaks}, 0,
                                       &ap, &traced));
  // The program after the exec runs at once. allocprof learns its objects
  // when it reads the loader's mappings, within 50 ms of them (its longest
  // wait between reads); the scenarios wait for the go signal well past
  // that.
  Process* p = ap.get();
  ASSERT_TRUE(Process::PumpUntil(
      {p}, [p] { return !LineStartingWith(p->out(), "ready ").empty() || p->exited(); },
      kStartTimeout))
      << Outputs(*ap);
  Process::PumpUntil({p}, [p] { return p->exited(); }, Scaled(1000));
  ASSERT_FALSE(ap->exited()) << Outputs(*ap);
  ASSERT_EQ(kill(traced, TESTPROG_GO_SIGNAL), 0);
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  ExpectLeaksTruth(*ap, folded, /*after_exec=*/true);
  const Folded stacks = ParseFolded(ReadFile(folded));
  EXPECT_EQ(BytesThrough(stacks, EXEC_LEAKS_FUNCTION), 0)
      << StacksThrough(stacks, EXEC_LEAKS_FUNCTION);
  EXPECT_EQ(BytesThrough(stacks, "_dl_map_object"), 0)
      << StacksThrough(stacks, "_dl_map_object");
  // The note says what went: at least the wrapper's blocks.
  const std::string note = LineStartingWith(ap->out(), "Note: the target ran execve() 1 time");
  ASSERT_FALSE(note.empty()) << Outputs(*ap);
  int64_t dropped = 0;
  ASSERT_EQ(sscanf(note.c_str() + note.find("held (") + 6, "%" SCNd64, &dropped), 1) << note;
  EXPECT_GE(dropped, EXEC_LEAKS_COUNT * EXEC_LEAKS_SIZE) << note;
}

// Where the kernel has no uprobe sessions, allocprof falls back to plain
// uprobes and uretprobes, one link per function: the same truth.
TEST_F(FoldedTruthTest, LaunchedLeaksWithPlainUprobes) {
  const std::string folded = ScratchPath("plain.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-v", "--nosessions", "--folded", folded, "--", kLeaks, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  EXPECT_THAT(ap->err(), HasSubstr("heap probes are uprobes and uretprobes"));
  ExpectLeaksTruth(*ap, folded);
}

// Threads started after attaching allocate through the same probes.
TEST_F(FoldedTruthTest, Threads) {
  Target threads;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kThreads, {}, &threads));
  const std::string folded_path = ScratchPath("threads.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(
      StartTracing({"-p", std::to_string(threads.pid), "--folded", folded_path},
                   threads.pid, &ap));

  ASSERT_NO_FATAL_FAILURE(RunScenarios(&threads));
  ASSERT_TRUE(threads.proc->WaitExit(kRunTimeout));
  EXPECT_TRUE(ExitedWith(*threads.proc, 0)) << threads.proc->Describe();
  ASSERT_TRUE(ap->WaitExit(kRunTimeout))
      << "allocprof did not end when its target exited\n"
      << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);

  const std::string text = ReadFile(folded_path);
  const Folded folded = ParseFolded(text);
  EXPECT_EQ(BytesThrough(folded, THREADS_LEAK_FUNCTION),
            static_cast<int64_t>(THREADS_EXPECTED_BYTES))
      << StacksThrough(folded, THREADS_LEAK_FUNCTION) << "--- folded:\n"
      << text << Outputs(*ap);
  EXPECT_TRUE(CallsDirectly(folded, THREADS_LEAK_FUNCTION, {THREADS_LEAK_LEAF}))
      << StacksThrough(folded, THREADS_LEAK_FUNCTION);
  // Both threads churning flat out: every event arrived, every churn block
  // was matched with its free.
  EXPECT_EQ(BytesThrough(folded, "thread_churn"), 0) << StacksThrough(folded, "thread_churn");
  const Report report = ParseReport(ap->out());
  EXPECT_TRUE(report.lost.has_value() && *report.lost == "none") << Outputs(*ap);
  constexpr int64_t kChurned = int64_t{THREADS_COUNT} * THREAD_CHURN_PAIRS;
  ASSERT_TRUE(report.freed_objects.has_value()) << Outputs(*ap);
  EXPECT_GE(*report.freed_objects, kChurned) << Outputs(*ap);
  EXPECT_GE(report.allocated_bytes.value_or(0), kChurned * THREAD_CHURN_SIZE) << Outputs(*ap);
}

}  // namespace
}  // namespace allocprof::e2e

namespace allocprof::e2e {
namespace {

// glibc's free starts with an instruction the kernel single-steps; its probe
// moves to the next one, which the kernel emulates. Every free of the churn
// loop must still be seen: nothing of it is outstanding.
TEST_F(FoldedTruthTest, FreeProbeOnAnEmulatedSiteSeesEveryFree) {
  const std::string folded = ScratchPath("sites.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(
      StartTracing({"-v", "--folded", folded, "--", kLeaks, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  ASSERT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  EXPECT_THAT(ap->err(), ::testing::ContainsRegex("probe free at .*libc[^ ]*\\+0x[0-9a-f]+ \\(\\+0x[0-9a-f]+: `"))
      << "free's probe should sit past its single-stepped first instruction";
  const Folded stacks = ParseFolded(ReadFile(folded));
  EXPECT_EQ(BytesThrough(stacks, "churn"), 0) << StacksThrough(stacks, "churn");
  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.freed_objects.has_value());
  EXPECT_GE(*report.freed_objects, 10000) << "the churn loop frees 10000 blocks";
}

}  // namespace
}  // namespace allocprof::e2e
