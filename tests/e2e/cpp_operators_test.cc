// C++ operator new and delete in every form (tests/testprogs/cpp_leaks.cc):
// exact bytes per leaking function, each counted once although libstdc++'s
// operators call malloc; and blocks released through the wrong family
// (tests/testprogs/mismatch.cc), counted in the report.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/allocator_checks.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/cpp_leaks_truth.h"
#include "tests/testprogs/mismatch_truth.h"
#include "userspace/outputs/profile_file.h"

namespace allocprof::e2e {
namespace {

using CppOperatorsTest = E2eTest;

// Runs `program` to its done line under allocprof -p with --folded and
// --json, and waits for both to end.
void TraceAttached(const char* program, const std::string& folded,
                   const std::string& json, std::unique_ptr<Process>* ap) {
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(program, {}, &target));
  ASSERT_NO_FATAL_FAILURE(StartTracing({"-p", std::to_string(target.pid),
                                        "--folded", folded, "--json", json},
                                       target.pid, ap));
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
  ASSERT_TRUE(target.proc->WaitExit(kRunTimeout));
  EXPECT_TRUE(ExitedWith(*target.proc, 0)) << target.proc->Describe();
  ASSERT_TRUE((*ap)->WaitExit(kRunTimeout))
      << "allocprof did not end when its target exited\n"
      << BriefOutputs(**ap);
  EXPECT_TRUE(ExitedWith(**ap, 0)) << BriefOutputs(**ap);
}

TEST_F(CppOperatorsTest, NewAndDeleteCountedOnce) {
  const std::string folded = ScratchPath("cpp.folded");
  const std::string json = ScratchPath("cpp.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(TraceAttached(kCppLeaks, folded, json, &ap));

  const std::string folded_text = ReadFile(folded);
  const std::vector<Expected> expected = FromTruth(cpp_leaks_expected);
  // Exact bytes per function: a malloc nested in operator new that counted
  // on its own would double them.
  ExpectFoldedTruth(folded_text, expected,
                    {std::begin(cpp_leaks_absent), std::end(cpp_leaks_absent)});

  // The operators are libstdc++'s.
  auto profile = ReadProfileFile(json);
  ASSERT_TRUE(profile.ok()) << profile.status();
  std::string libstdcxx;
  for (const ProfileMapping& m : profile->mappings) {
    if (Basename(m.path).rfind("libstdc++.so", 0) == 0) libstdcxx = m.path;
  }
  ASSERT_FALSE(libstdcxx.empty()) << "cpp_leaks maps no libstdc++";
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.function);
    ExpectLeafIn(*profile, e.function, libstdcxx);
  }

  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.outstanding_bytes.has_value()) << BriefOutputs(*ap);
  // Attached before the go signal: the scenarios are all that runs.
  EXPECT_EQ(*report.outstanding_bytes, TotalBytes(expected))
      << "the report's total is not exactly what cpp_leaks keeps";
  ASSERT_TRUE(report.freed_objects.has_value()) << BriefOutputs(*ap);
  EXPECT_GE(*report.freed_objects,
            static_cast<int64_t>(CPP_LEAKS_MIN_FREED_OBJECTS));
  // new with delete, new[] with delete[]: no mismatch.
  EXPECT_EQ(report.mismatched_blocks.value_or(0), 0) << BriefOutputs(*ap);
  ASSERT_TRUE(report.lost.has_value()) << BriefOutputs(*ap);
  EXPECT_EQ(*report.lost, "none");

  if (HasFailure()) {
    PrintReference(folded_text, *profile, *ap);
  }
  ExpectNoProgramsLeft();
}

// -- CMD: libstdc++ is mapped before the command's first instruction and
// probed from there; the truth per function is the same.
TEST_F(CppOperatorsTest, LaunchedNewAndDeleteCountedOnce) {
  const std::string folded = ScratchPath("cpp.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(
      StartTracing({"--folded", folded, "--", kCppLeaks, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);

  const std::string folded_text = ReadFile(folded);
  const std::vector<Expected> expected = FromTruth(cpp_leaks_expected);
  ExpectFoldedTruth(folded_text, expected,
                    {std::begin(cpp_leaks_absent), std::end(cpp_leaks_absent)});
  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.outstanding_bytes.has_value()) << BriefOutputs(*ap);
  EXPECT_GE(*report.outstanding_bytes, TotalBytes(expected));
  EXPECT_EQ(report.mismatched_blocks.value_or(0), 0) << BriefOutputs(*ap);
  if (HasFailure()) {
    std::cerr << "for reference:\n--- folded:\n"
              << folded_text << BriefOutputs(*ap);
  }
  ExpectNoProgramsLeft();
}

// malloc + delete and new + free, a known number of times, beside matched
// pairs: exactly those blocks are reported, and all of them are released.
TEST_F(CppOperatorsTest, MismatchedFreesCounted) {
  const std::string folded = ScratchPath("mismatch.folded");
  const std::string json = ScratchPath("mismatch.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(TraceAttached(kMismatch, folded, json, &ap));

  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.mismatched_blocks.has_value())
      << "no 'Mismatched frees: N blocks' line\n"
      << BriefOutputs(*ap);
  EXPECT_EQ(*report.mismatched_blocks, MISMATCH_EXPECTED_BLOCKS)
      << BriefOutputs(*ap);
  ASSERT_TRUE(report.mismatched_bytes.has_value())
      << "no byte count after the blocks on the Mismatched frees line\n"
      << BriefOutputs(*ap);
  EXPECT_EQ(*report.mismatched_bytes, MISMATCH_EXPECTED_BYTES) << BriefOutputs(*ap);

  const std::string folded_text = ReadFile(folded);
  ExpectFoldedTruth(folded_text, {},
                    {std::begin(mismatch_absent), std::end(mismatch_absent)});
  if (HasFailure()) std::cerr << "--- folded:\n" << folded_text;
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
