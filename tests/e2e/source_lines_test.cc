// Source lines and inlined functions from DWARF, end to end:
// tests/testprogs/inline_leaks, built with -g -O2, leaks through an
// always_inline helper. Every output must show the helper as a frame of its
// own, with its file and the line of the malloc, and the function it was
// inlined into above it, at the line of the helper's call
// (inline_leaks_truth.h); a saved profile must re-render the same report.
#include <signal.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/allocator_checks.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/inline_leaks_truth.h"
#include "userspace/outputs/profile_file.h"

namespace allocprof::e2e {
namespace {

using ::testing::HasSubstr;

constexpr char kInlineLeaks[] = ALLOCPROF_E2E_INLINE_LEAKS;
constexpr int64_t kLeakedBytes = int64_t{INLINE_LEAK_COUNT} * INLINE_LEAK_SIZE;

// Stacks whose allocator was called from the inlined helper.
std::vector<const ProfileStack*> HelperStacks(const Profile& profile) {
  std::vector<const ProfileStack*> stacks;
  for (const ProfileStack& s : profile.stacks) {
    if (s.frames.size() >= 3 && s.frames[1].function == INLINE_LEAK_HELPER) {
      stacks.push_back(&s);
    }
  }
  return stacks;
}

// The frames of a helper stack as the truth says they must be.
void ExpectHelperFrames(const ProfileStack& s) {
  const ProfileFrame& helper = s.frames[1];
  const ProfileFrame& caller = s.frames[2];
  EXPECT_EQ(s.frames[0].function, "malloc");
  EXPECT_EQ(s.frames[0].kind, FrameKind::kAllocator);
  EXPECT_TRUE(helper.inlined);
  EXPECT_EQ(Basename(helper.file), INLINE_LEAK_FILE);
  EXPECT_EQ(helper.line, static_cast<uint32_t>(INLINE_LEAK_MALLOC_LINE));
  EXPECT_EQ(caller.function, INLINE_LEAK_CALLER);
  EXPECT_FALSE(caller.inlined);
  EXPECT_EQ(Basename(caller.file), INLINE_LEAK_FILE);
  EXPECT_EQ(caller.line, static_cast<uint32_t>(INLINE_LEAK_CALL_LINE));
  // One return address, two frames.
  EXPECT_EQ(helper.address, caller.address);
  EXPECT_EQ(helper.module, caller.module);
  EXPECT_EQ(CanonicalPath(caller.module), CanonicalPath(kInlineLeaks));
  EXPECT_EQ(helper.kind, FrameKind::kProgram);
}

// The frame lines ("      #N ...") of the report's stack block that holds
// `needle`, in order.
std::vector<std::string> FrameLinesOfBlock(const std::string& report,
                                           const std::string& needle) {
  const size_t top = report.rfind("\nTop ");
  if (top == std::string::npos) return {};
  std::vector<std::string> block;
  bool found = false;
  for (const std::string& line : CompleteLines(report.substr(top + 1))) {
    if (line.rfind("#", 0) == 0) {  // "#2  75000 B ...": a new stack
      if (found) return block;
      block.clear();
      continue;
    }
    if (line.rfind("      #", 0) == 0) block.push_back(line);
    if (line.find(needle) != std::string::npos) found = true;
  }
  return found ? block : std::vector<std::string>{};
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

class SourceLinesTest : public E2eTest {};

TEST_F(SourceLinesTest, InlinedHelperIsAFrameWithItsFileAndLine) {
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(kInlineLeaks, {}, &target));
  const std::string folded = ScratchPath("inline.folded");
  const std::string json = ScratchPath("inline.json");
  const std::string pprof = ScratchPath("inline.pb.gz");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing({"-p", std::to_string(target.pid), "--folded",
                                        folded, "--json", json, "--pprof", pprof},
                                       target.pid, &ap));
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
  ASSERT_TRUE(target.proc->WaitExit(kRunTimeout));
  EXPECT_TRUE(ExitedWith(*target.proc, 0)) << target.proc->Describe();
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << BriefOutputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << BriefOutputs(*ap);
  const std::string context = BriefOutputs(*ap);

  // JSON: the helper, inlined, at the malloc's line; its caller at the
  // helper's call; the exact bytes.
  absl::StatusOr<Profile> profile = ReadProfileFile(json);
  ASSERT_TRUE(profile.ok()) << profile.status();
  const std::vector<const ProfileStack*> stacks = HelperStacks(*profile);
  ASSERT_FALSE(stacks.empty()) << DescribeStacks(*profile) << context;
  int64_t bytes = 0;
  for (const ProfileStack* s : stacks) {
    SCOPED_TRACE(StackPath(*s));
    ExpectHelperFrames(*s);
    bytes += s->values.inuse_bytes;
  }
  EXPECT_EQ(bytes, kLeakedBytes) << DescribeStacks(*profile);

  // pprof: the same frames, from one location with two lines.
  absl::StatusOr<Profile> from_pprof = ReadProfileFile(pprof);
  ASSERT_TRUE(from_pprof.ok()) << from_pprof.status();
  int64_t pprof_bytes = 0;
  for (const ProfileStack* s : HelperStacks(*from_pprof)) {
    SCOPED_TRACE(StackPath(*s));
    ExpectHelperFrames(*s);
    pprof_bytes += s->values.inuse_bytes;
  }
  EXPECT_EQ(pprof_bytes, kLeakedBytes) << DescribeStacks(*from_pprof);

  // Folded: "...;caller (file:line);helper (file:line);malloc... BYTES".
  const std::string folded_text = ReadFile(folded);
  const Folded stacks_folded = ParseFolded(folded_text);
  int64_t folded_bytes = 0;
  for (const FoldedStack& s : stacks_folded.stacks) {
    const size_t n = s.named.size();
    if (n < 3 || s.frames[n - 2] != INLINE_LEAK_HELPER) continue;
    const NamedLine helper = SplitLine(s.named[n - 2]);
    const NamedLine caller = SplitLine(s.named[n - 3]);
    EXPECT_EQ(helper.file, INLINE_LEAK_FILE) << s.line;
    EXPECT_EQ(helper.line, INLINE_LEAK_MALLOC_LINE) << s.line;
    EXPECT_EQ(caller.function, INLINE_LEAK_CALLER) << s.line;
    EXPECT_EQ(caller.file, INLINE_LEAK_FILE) << s.line;
    EXPECT_EQ(caller.line, INLINE_LEAK_CALL_LINE) << s.line;
    folded_bytes += s.bytes;
  }
  EXPECT_EQ(folded_bytes, kLeakedBytes) << folded_text;

  // The text report: the helper on a line of its own without an address,
  // its caller with the full path of the file.
  const std::string& out = ap->out();
  const std::vector<std::string> live = FrameLinesOfBlock(out, INLINE_LEAK_HELPER);
  ASSERT_GE(live.size(), 3u) << out;
  const std::string path_line = std::string("/") + INLINE_LEAK_FILE + ":";
  EXPECT_THAT(live[1], testing::MatchesRegex(
                           R"(      #1   \(inlined\) +)" INLINE_LEAK_HELPER R"( \(/.*)" +
                           path_line + std::to_string(INLINE_LEAK_MALLOC_LINE) + R"(\))"))
      << Joined(live);
  EXPECT_THAT(live[2], testing::MatchesRegex(
                           R"(      #2   0x[0-9a-f]{16} )" INLINE_LEAK_CALLER
                           R"(\+0x[0-9a-f]+ \(/.*)" +
                           path_line + std::to_string(INLINE_LEAK_CALL_LINE) + R"(\) \(.*\))"))
      << Joined(live);

  // `allocprof report` of either saved profile shows the same frames.
  for (const std::string& saved : {json, pprof}) {
    SCOPED_TRACE(saved);
    std::string error;
    std::unique_ptr<Process> report = Process::Start({kAllocprof, "report", saved}, &error);
    ASSERT_NE(report, nullptr) << error;
    ASSERT_TRUE(report->WaitExit(kRunTimeout));
    EXPECT_TRUE(ExitedWith(*report, 0)) << report->err();
    EXPECT_EQ(Joined(FrameLinesOfBlock(report->out(), INLINE_LEAK_HELPER)), Joined(live))
        << report->out();
  }

  if (HasFailure()) PrintReference(folded_text, *profile, *ap);
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
