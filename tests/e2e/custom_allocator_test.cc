// Allocators of the application's own, declared with --alloc-fn and
// --free-fn: tests/testprogs/custom_pool's pool blocks are counted like
// malloc's, attributed to the pool's callers, and the arena the pool carves
// them from is not counted again (custom_pool_truth.h).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/allocator_checks.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/custom_pool_truth.h"

namespace allocprof::e2e {
namespace {

using ::testing::HasSubstr;

using CustomAllocatorTest = E2eTest;

// The declarations of custom_pool_truth.h; OBJECT is the executable's
// basename for some and the path it is mapped from for others, which both
// name it.
std::vector<std::string> PoolDeclarations() {
  const std::string base = Basename(kCustomPool);
  const std::string path = CanonicalPath(kCustomPool);
  return {"--alloc-fn", base + ":pool_alloc:size=ARG2",
          "--alloc-fn", path + ":pool_alloc_array:size=ARG3:count=ARG2:ret",
          "--alloc-fn", path + ":pool_alloc_out:size=ARG3:out=ARG2",
          "--free-fn",  base + ":pool_free:ptr=ARG2"};
}

TEST_F(CustomAllocatorTest, PoolBlocksCountedOnce) {
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kCustomPool, {}, &target));
  const std::string folded = ScratchPath("pool.folded");
  std::vector<std::string> args = {"-v", "-p", std::to_string(target.pid),
                                   "--folded", folded};
  const std::vector<std::string> decls = PoolDeclarations();
  args.insert(args.end(), decls.begin(), decls.end());
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(args, target.pid, &ap));
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
  ASSERT_TRUE(target.proc->WaitExit(kRunTimeout));
  EXPECT_TRUE(ExitedWith(*target.proc, 0)) << target.proc->Describe();
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);

  const std::string folded_text = ReadFile(folded);
  const std::vector<Expected> expected = FromTruth(custom_pool_expected);
  // leak_pool's first pool_alloc mallocs the arena: counted on its own, the
  // arena would add POOL_ARENA_SIZE to leak_pool.
  ExpectFoldedTruth(
      folded_text, expected,
      {std::begin(custom_pool_absent), std::end(custom_pool_absent)});
  const Folded stacks = ParseFolded(folded_text);
  EXPECT_EQ(BytesThrough(stacks, "carve"), 0)
      << "the arena's malloc is nested in pool_alloc and must not count:\n"
      << StacksThrough(stacks, "carve");

  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.outstanding_bytes.has_value()) << BriefOutputs(*ap);
  // Attached before the go signal: the pool's blocks are all that is kept.
  EXPECT_EQ(*report.outstanding_bytes, TotalBytes(expected))
      << "the report's total is not exactly the pool blocks kept";
  ASSERT_TRUE(report.freed_objects.has_value()) << BriefOutputs(*ap);
  EXPECT_GE(*report.freed_objects, POOL_HALF_COUNT + POOL_CHURN_COUNT);
  EXPECT_EQ(report.mismatched_blocks.value_or(0), 0) << BriefOutputs(*ap);
  ASSERT_TRUE(report.lost.has_value()) << BriefOutputs(*ap);
  EXPECT_EQ(*report.lost, "none");
  // -v says where the declared functions were probed.
  EXPECT_TRUE(SaysOnStderr(*ap, CanonicalPath(kCustomPool)))
      << "-v should name the executable the pool functions were probed in";

  if (HasFailure()) {
    std::cerr << "for reference:\n--- folded:\n" << folded_text << BriefOutputs(*ap);
  }
  ExpectNoProgramsLeft();
}

// Without the declarations the pool is invisible: only the arena's malloc
// is seen, under leak_pool. This shows the declarations above make the
// difference.
TEST_F(CustomAllocatorTest, UndeclaredPoolIsOnlyItsArena) {
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kCustomPool, {}, &target));
  const std::string folded = ScratchPath("pool.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-p", std::to_string(target.pid), "--folded", folded}, target.pid,
      &ap));
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
  ASSERT_TRUE(target.proc->WaitExit(kRunTimeout));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);

  const Folded stacks = ParseFolded(ReadFile(folded));
  EXPECT_EQ(BytesThrough(stacks, "leak_pool"), POOL_ARENA_SIZE)
      << StacksThrough(stacks, "leak_pool");
  EXPECT_TRUE(CallsDirectly(stacks, "carve", {"malloc"}))
      << StacksThrough(stacks, "carve");
  for (const char* f : {"leak_pool_array", "leak_pool_out", "keep_half_pool"}) {
    EXPECT_EQ(BytesThrough(stacks, f), 0) << StacksThrough(stacks, f);
  }
  ExpectNoProgramsLeft();
}

// A declaration allocprof cannot parse is misuse of the command line.
TEST_F(CustomAllocatorTest, MalformedDeclarationIsMisuse) {
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kCustomPool, {}, &target));
  const std::string base = Basename(kCustomPool);
  const std::string pid = std::to_string(target.pid);
  const std::vector<std::vector<std::string>> misuses = {
      {"--alloc-fn", base + ":pool_alloc:size=ARG9"},   // no 9th argument
      {"--alloc-fn", base + "::size=ARG2"},             // empty symbol
      {"--alloc-fn", base + ":size=ARG2"},              // no symbol part
      {"--alloc-fn", base + ":pool_alloc"},             // no size
      {"--free-fn", base + ":pool_free:size=ARG2"},     // free needs ptr=
      {"--free-fn", base + ":pool_free:ptr=ARG0"},      // arguments start at 1
  };
  for (const std::vector<std::string>& decl : misuses) {
    SCOPED_TRACE(decl[0] + " " + decl[1]);
    std::vector<std::string> argv = {kAllocprof, "-p", pid};
    argv.insert(argv.end(), decl.begin(), decl.end());
    std::string message;
    RunFailing(argv, &message, Failure::kMisuse);
  }
  ExpectNoProgramsLeft();
  // The target was never touched.
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
}

// A well-formed declaration of a symbol the named object does not define
// fails to trace, and says which symbol.
TEST_F(CustomAllocatorTest, UnknownSymbolFails) {
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kCustomPool, {}, &target));
  std::string message;
  ASSERT_NO_FATAL_FAILURE(RunFailing(
      {kAllocprof, "-p", std::to_string(target.pid), "--alloc-fn",
       Basename(kCustomPool) + ":no_such_pool_alloc:size=ARG2"},
      &message));
  EXPECT_THAT(message, HasSubstr("no_such_pool_alloc"))
      << "the message should name the symbol";
  ExpectNoProgramsLeft();
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
}

}  // namespace
}  // namespace allocprof::e2e
