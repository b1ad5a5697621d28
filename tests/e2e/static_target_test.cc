// A statically linked program carries its allocator (glibc's malloc from
// libc.a) inside the executable: allocprof finds it in the executable's
// .symtab and gives tests/testprogs/leaks' exact ground truth.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/allocator_checks.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/leaks_truth.h"
#include "userspace/outputs/profile_file.h"

namespace allocprof::e2e {
namespace {

using StaticTargetTest = E2eTest;

// libc.a defines malloc, __malloc and __libc_malloc at one address (calloc
// and __libc_calloc, ...): any of them may name the leaf.
const std::vector<std::string> kStaticAliasPrefixes = {"__libc_", "__"};

void ExpectStaticTruth(const Process& ap, const std::string& folded_path,
                       const std::string& json_path, bool attached) {
  const std::string folded_text = ReadFile(folded_path);
  const std::vector<Expected> expected = LeaksTruth(kStaticAliasPrefixes);
  ExpectFoldedTruth(folded_text, expected,
                    {std::begin(leaks_absent), std::end(leaks_absent)});

  auto profile = ReadProfileFile(json_path);
  ASSERT_TRUE(profile.ok()) << profile.status();
  for (const Expected& e : expected) {
    if (e.leaves.empty()) continue;  // the mmap family: system calls
    SCOPED_TRACE(e.function);
    ExpectLeafIn(*profile, e.function, kStaticLeaks);
  }

  const Report report = ParseReport(ap.out());
  ASSERT_TRUE(report.outstanding_bytes.has_value()) << BriefOutputs(ap);
  if (attached) {
    EXPECT_EQ(*report.outstanding_bytes, TotalBytes(expected))
        << "the report's total is not exactly what leaks keeps";
  } else {
    EXPECT_GE(*report.outstanding_bytes, TotalBytes(expected));
  }
  ASSERT_TRUE(report.backing_bytes.has_value()) << BriefOutputs(ap);
  // libc.a's malloc maps leak_big_malloc's block as the shared one does.
  EXPECT_GE(*report.backing_bytes, static_cast<int64_t>(LEAK_BIG_MALLOC_SIZE));
  EXPECT_GE(*report.freed_objects,
            static_cast<int64_t>(LEAKS_MIN_FREED_OBJECTS));
  ASSERT_TRUE(report.lost.has_value()) << BriefOutputs(ap);
  EXPECT_EQ(*report.lost, "none");

  if (::testing::Test::HasFailure()) {
    PrintReference(folded_text, *profile, ap);
  }
}

TEST_F(StaticTargetTest, AttachedToRunningStaticLeaks) {
  Target leaks;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kStaticLeaks, {}, &leaks));
  const std::string folded = ScratchPath("static.folded");
  const std::string json = ScratchPath("static.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing({"-p", std::to_string(leaks.pid),
                                        "--folded", folded, "--json", json},
                                       leaks.pid, &ap));
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&leaks));
  ASSERT_TRUE(leaks.proc->WaitExit(kRunTimeout));
  EXPECT_TRUE(ExitedWith(*leaks.proc, 0)) << leaks.proc->Describe();
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);

  ExpectStaticTruth(*ap, folded, json, /*attached=*/true);
  ExpectNoProgramsLeft();
}

// -- CMD: a static executable has no dynamic loader; it is held at its
// entry point and traced from there.
TEST_F(StaticTargetTest, LaunchedStaticLeaks) {
  const std::string folded = ScratchPath("static.folded");
  const std::string json = ScratchPath("static.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--folded", folded, "--json", json, "--", kStaticLeaks, "--now"}, 0,
      &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);

  ExpectStaticTruth(*ap, folded, json, /*attached=*/false);
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
