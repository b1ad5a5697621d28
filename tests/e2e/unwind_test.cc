// Stacks through code built without frame pointers (--unwind, the default
// auto): the test programs of tests/testprogs built -O2
// -fomit-frame-pointer, whose every leaking function must be found on a
// complete stack, from _start and main down to the allocator, with exact
// bytes (leaks_truth.h, cpp_nofp_truth.h, unwind_libs_truth.h).
#include <signal.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/allocator_checks.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/cpp_nofp_truth.h"
#include "tests/testprogs/leaks_truth.h"
#include "tests/testprogs/testprog.h"
#include "tests/testprogs/unwind_libs_truth.h"
#include "userspace/outputs/profile_file.h"

namespace allocprof::e2e {
namespace {

const char* const kLeaksNofp = ALLOCPROF_E2E_LEAKS_NOFP;
const char* const kCppNofp = ALLOCPROF_E2E_CPP_NOFP;
const char* const kUnwindLibs = ALLOCPROF_E2E_UNWIND_LIBS;
const char* const kNofpPlugin = ALLOCPROF_E2E_NOFP_PLUGIN;

constexpr char kTruncated[] = "[truncated]";

using UnwindTest = E2eTest;

// Every stack through `function` is complete (starts at _start, nothing
// truncated) and has `callers` right above it, nearest first.
void ExpectChain(const Folded& folded, const std::string& function,
                 const std::vector<std::string>& callers) {
  int seen = 0;
  for (const FoldedStack& s : folded.stacks) {
    for (size_t i = 0; i < s.frames.size(); ++i) {
      if (s.frames[i] != function) continue;
      ++seen;
      EXPECT_EQ(s.frames.front(), "_start") << "not a complete stack: " << s.line;
      for (size_t k = 0; k < callers.size(); ++k) {
        ASSERT_GE(i, k + 1) << s.line;
        EXPECT_EQ(s.frames[i - k - 1], callers[k])
            << callers[k] << " should be " << k + 1 << " frame(s) above " << function
            << ": " << s.line;
      }
      break;
    }
  }
  EXPECT_GT(seen, 0) << "no stack through " << function;
}

void ExpectNothingTruncated(const Folded& folded, const Process& ap) {
  for (const FoldedStack& s : folded.stacks) {
    for (const std::string& f : s.frames) EXPECT_NE(f, kTruncated) << s.line;
  }
  const Report report = ParseReport(ap.out());
  ASSERT_TRUE(report.lost.has_value()) << BriefOutputs(ap);
  EXPECT_EQ(*report.lost, "none");
}

// leaks.c's whole truth with no frame pointer anywhere in the program or
// the C library: only CFI leads from each frame to its caller.
TEST_F(UnwindTest, LeaksWithoutFramePointers) {
  const std::string folded_path = ScratchPath("leaks_nofp.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-v", "--folded", folded_path, "--", kLeaksNofp, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);
  EXPECT_TRUE(SaysOnStderr(*ap, "stacks walked with CFI (--unwind auto)")) << BriefOutputs(*ap);

  const std::string text = ReadFile(folded_path);
  ExpectFoldedTruth(text, LeaksTruth(), {"churn", "free_presession"});
  const Folded folded = ParseFolded(text);
  for (const leaks_expectation& e : leaks_expected) {
    SCOPED_TRACE(e.function);
    ExpectChain(folded, e.function, {"main", "__libc_start_call_main"});
  }
  ExpectNothingTruncated(folded, *ap);
  if (HasFailure()) std::cerr << "--- folded:\n" << text << BriefOutputs(*ap);
}

// The same program with frame pointers only (--unwind fp): the walk cannot
// get past the first frame without one, so the callers are lost. This is
// what the CFI walk is for, and shows that the test above tells them apart.
TEST_F(UnwindTest, FramePointersAloneLoseTheCallers) {
  const std::string folded_path = ScratchPath("leaks_fp.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--unwind", "fp", "--folded", folded_path, "--", kLeaksNofp, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);
  const Folded folded = ParseFolded(ReadFile(folded_path));
  int complete = 0;
  for (const FoldedStack& s : folded.stacks) {
    for (size_t i = 1; i < s.frames.size(); ++i) {
      if (s.frames[i] == "leak_malloc" && s.frames[i - 1] == "main") ++complete;
    }
  }
  EXPECT_EQ(complete, 0) << "a frame-pointer walk found main above leak_malloc";
}

// --unwind fp is how stacks were taken before CFI: on the frame-pointer
// build of leaks it still gives the whole truth, with the [sp] caller
// spliced in by userspace.
TEST_F(UnwindTest, FramePointerModeKeepsTheTruth) {
  const std::string folded_path = ScratchPath("leaks_fp_mode.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--unwind", "fp", "--folded", folded_path, "--", kLeaks, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);
  ExpectFoldedTruth(ReadFile(folded_path), LeaksTruth(), {"churn", "free_presession"});
  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.lost.has_value()) << BriefOutputs(*ap);
  EXPECT_EQ(*report.lost, "none");
}

struct CppSums {
  int64_t direct = 0;       // operator new <- keep_objects <- caller
  int64_t via_library = 0;  // operator new <- libstdc++ ... <- keep_objects <- caller
  int64_t incomplete = 0;   // stacks through the caller that do not reach _start
};

CppSums SumCpp(const Profile& profile, const std::string& caller) {
  CppSums sums;
  for (const ProfileStack& s : profile.stacks) {
    const std::vector<ProfileFrame>& f = s.frames;
    if (f.size() < 3 || f[0].function != CPP_NOFP_LEAF) continue;
    size_t k = 1;
    while (k < f.size() && f[k].module.find("libstdc++") != std::string::npos) ++k;
    if (k + 1 >= f.size() || f[k].function != CPP_NOFP_LEAK_FUNCTION ||
        f[k + 1].function != caller) {
      continue;
    }
    (k == 1 ? sums.direct : sums.via_library) += s.values.inuse_bytes;
    if (f.back().function != "_start") sums.incomplete += s.values.inuse_bytes;
  }
  return sums;
}

// operator new from one function called from two places, with and without
// libstdc++'s own frames (std::string::reserve) in between: each caller is
// found one frame above the leaking function.
TEST_F(UnwindTest, CppCallersThroughLibstdcxx) {
  const std::string json = ScratchPath("cpp_nofp.json");
  const std::string folded_path = ScratchPath("cpp_nofp.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--json", json, "--folded", folded_path, "--", kCppNofp, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);
  auto profile = ReadProfileFile(json);
  ASSERT_TRUE(profile.ok()) << profile.status();

  struct Caller {
    const char* name;
    int64_t count;
  };
  for (const Caller& c : {Caller{CPP_NOFP_CALLER_A, CPP_NOFP_FROM_A},
                          Caller{CPP_NOFP_CALLER_B, CPP_NOFP_FROM_B}}) {
    SCOPED_TRACE(c.name);
    const CppSums sums = SumCpp(*profile, c.name);
    EXPECT_EQ(sums.direct, c.count * CPP_NOFP_OBJ_SIZE);
    EXPECT_EQ(sums.via_library, c.count * CPP_NOFP_STRING_BYTES);
    EXPECT_EQ(sums.incomplete, 0);
  }
  const Folded folded = ParseFolded(ReadFile(folded_path));
  ExpectNothingTruncated(folded, *ap);
  if (HasFailure()) std::cerr << DescribeStacks(*profile) << BriefOutputs(*ap);
}

// A library linked to the program and a plugin dlopen'd after attach, both
// without frame pointers: the plugin's table is built when it is mapped.
TEST_F(UnwindTest, LinkedAndDlopenedLibraries) {
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kUnwindLibs, {"--stay"}, &target));
  const std::string folded_path = ScratchPath("unwind_libs.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-v", "-p", std::to_string(target.pid), "--folded", folded_path},
      target.pid, &ap));
  target.proc->Signal(TESTPROG_GO_SIGNAL);
  Process* ap_ptr = ap.get();
  const std::string plugin = Basename(kNofpPlugin);
  ASSERT_TRUE(Process::PumpUntil(
      {ap_ptr, target.proc.get()},
      [ap_ptr, &plugin] {
        const std::string& err = ap_ptr->err();
        const size_t at = err.find("unwind table for ");
        return at != std::string::npos && err.find(plugin, at) != std::string::npos;
      },
      kRunTimeout))
      << "allocprof made no unwind table for the plugin mapped after attach\n"
      << BriefOutputs(*ap);
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
  ASSERT_NO_FATAL_FAILURE(StopTracingThenTarget(ap.get(), &target));

  const std::string text = ReadFile(folded_path);
  ExpectFoldedTruth(text, FromTruth(unwind_libs_expected), {});
  const Folded folded = ParseFolded(text);
  for (const auto& chain : unwind_libs_chains) {
    SCOPED_TRACE(chain[0]);
    ExpectChain(folded, chain[0], {chain[1], chain[2]});
  }
  ExpectNothingTruncated(folded, *ap);
  if (HasFailure()) std::cerr << "--- folded:\n" << text << BriefOutputs(*ap);
  ExpectNoProgramsLeft();
}

// --unwind dwarf follows CFI only: the stack through the assembly without
// CFI ends there, truncated and counted; stacks with CFI all the way are
// complete.
TEST_F(UnwindTest, DwarfOnlyStopsWhereThereIsNoCfi) {
  const std::string folded_path = ScratchPath("dwarf_only.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--unwind", "dwarf", "--folded", folded_path, "--", kUnwindLibs, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);
  const std::string text = ReadFile(folded_path);
  const Folded folded = ParseFolded(text);
  ExpectChain(folded, "linked_leak_inner", {"linked_leak", "main"});
  bool truncated_above_trampoline = false;
  for (const FoldedStack& s : folded.stacks) {
    if (s.frames.size() >= 4 && s.frames[0] == kTruncated && s.frames[1] == "fp_trampoline" &&
        s.frames[2] == "mixed_inner") {
      truncated_above_trampoline = true;
      EXPECT_EQ(s.bytes, MIXED_COUNT * MIXED_SIZE) << s.line;
    }
  }
  EXPECT_TRUE(truncated_above_trampoline) << text;
  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.lost.has_value()) << BriefOutputs(*ap);
  EXPECT_THAT(*report.lost, ::testing::ContainsRegex("[1-9][0-9]* stacks truncated"));
}

TEST_F(UnwindTest, BadUnwindModeIsMisuse) {
  std::string message;
  ASSERT_NO_FATAL_FAILURE(RunFailing({kAllocprof, "--unwind", "frames", "-p", "1"},
                                     &message, Failure::kMisuse));
  EXPECT_THAT(message, ::testing::HasSubstr("--unwind must be auto, dwarf or fp"));
}

}  // namespace
}  // namespace allocprof::e2e
