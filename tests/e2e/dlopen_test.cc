// Objects mapped after allocprof attached: tests/testprogs/dlopen_leaks
// dlopens its plugin only after the go signal, and the plugin dlopens an
// allocator (mimalloc) of its own. The plugin's functions must be named as
// the direct callers of the allocators, and the new allocator probed as soon
// as it is mapped (dlopen_truth.h).
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/allocator_checks.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/dlopen_truth.h"
#include "tests/testprogs/testprog.h"
#include "userspace/outputs/profile_file.h"

namespace allocprof::e2e {
namespace {

using DlopenTest = E2eTest;

// Where the dynamic loader finds PLUGIN_ALLOCATOR_SONAME on Debian.
constexpr char kMimalloc[] = "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2";

TEST_F(DlopenTest, PluginLoadedAfterAttachIsTraced) {
  ASSERT_EQ(access(kMimalloc, R_OK), 0)
      << kMimalloc << " is missing: scripts/install-deps.sh installs it";
  // --stay: the program keeps the plugin mapped after its done line, so the
  // plugin's symbols can be read however late allocprof reads them. The
  // program allocates from the allocator the plugin loads only after a
  // second go signal, sent once allocprof says (-v) it probed it.
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kDlopenLeaks, {"--stay"}, &target));
  const std::string maps =
      ReadFile("/proc/" + std::to_string(target.pid) + "/maps");
  ASSERT_EQ(maps.find(Basename(kLeakPlugin)), std::string::npos)
      << "the plugin must not be loaded before the go signal";
  ASSERT_EQ(maps.find("libmimalloc"), std::string::npos)
      << "mimalloc must not be loaded before the go signal";

  const std::string folded = ScratchPath("dlopen.folded");
  const std::string json = ScratchPath("dlopen.json");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing({"-v", "-p", std::to_string(target.pid),
                                        "--folded", folded, "--json", json},
                                       target.pid, &ap));
  target.proc->Signal(TESTPROG_GO_SIGNAL);
  Process* ap_ptr = ap.get();
  ASSERT_TRUE(Process::PumpUntil(
      {ap_ptr, target.proc.get()},
      [ap_ptr] { return ap_ptr->err().find("probe mi_malloc") != std::string::npos ||
                        ap_ptr->err().find("probe malloc at /usr/lib/x86_64-linux-gnu/libmimalloc") !=
                            std::string::npos; },
      kRunTimeout))
      << "allocprof did not probe the allocator mapped after attach\n"
      << BriefOutputs(*ap);
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
  ASSERT_NO_FATAL_FAILURE(StopTracingThenTarget(ap.get(), &target));
  EXPECT_TRUE(ExitedWith(*target.proc, 0)) << target.proc->Describe();

  const std::string folded_text = ReadFile(folded);
  const std::vector<Expected> expected = FromTruth(dlopen_expected);
  ExpectFoldedTruth(folded_text, expected, {});

  auto profile = ReadProfileFile(json);
  ASSERT_TRUE(profile.ok()) << profile.status();
  // The plugin's frames are named from the plugin, mapped after attach.
  int plugin_frames = 0;
  for (const ProfileStack& s : profile->stacks) {
    if (s.frames.size() < 2 || s.frames[1].function != "plugin_leak") continue;
    ++plugin_frames;
    EXPECT_EQ(CanonicalPath(s.frames[1].module), CanonicalPath(kLeakPlugin))
        << "plugin_leak named in the wrong object";
  }
  EXPECT_GT(plugin_frames, 0) << DescribeStacks(*profile);
  // mimalloc's mi_malloc, found in an object mapped after attach.
  {
    SCOPED_TRACE("plugin_leak_own_allocator");
    ExpectLeafIn(*profile, "plugin_leak_own_allocator", kMimalloc);
  }
  EXPECT_TRUE(SaysOnStderr(*ap, CanonicalPath(kMimalloc)))
      << "-v should say what it probed in the allocator loaded after attach";

  const Report report = ParseReport(ap->out());
  ASSERT_TRUE(report.lost.has_value()) << BriefOutputs(*ap);
  // Nothing dropped. mimalloc's constructor maps memory while dlopen is
  // still loading it, before allocprof has its unwind table: that stack
  // (through code without frame pointers) may end early, and says so.
  EXPECT_THAT(*report.lost, ::testing::MatchesRegex(
                                "none|[0-9]+ stacks truncated \\(their bytes are counted.*"));

  if (HasFailure()) {
    PrintReference(folded_text, *profile, *ap);
  }
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
