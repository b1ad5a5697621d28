#include "userspace/report/text_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tests/unit/profile/profile_test_util.h"

namespace allocprof {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(FormatBytes, ExactBytesThenARoundedForm) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1024), "1024 B (1.0 KiB)");
  EXPECT_EQ(FormatBytes(16777216), "16777216 B (16.0 MiB)");
  EXPECT_EQ(FormatBytes(3LL << 30), "3221225472 B (3.0 GiB)");
}

Profile TwoStacks() {
  Profile p;
  p.target = "PID 42 (app)";
  p.duration_ns = 2'000'000'000;
  p.events = 10;
  p.stacks = {HeapStack({"malloc", "leak_big", "main"}, 5000, 5),
              HeapStack({"malloc", "leak_small", "main"}, 100, 1),
              HeapStack({"malloc", "freed_all", "main"}, 0, 0)};
  p.totals.outstanding.bytes[0] = 5100;
  p.totals.outstanding.objects[0] = 6;
  p.totals.alloc_bytes = 9100;
  p.totals.alloc_objects = 10;
  p.totals.freed_bytes = 4000;
  p.totals.freed_objects = 4;
  return p;
}

std::string Report(const Profile& p, int top = 10) {
  std::ostringstream out;
  WriteTextReport(out, p, top);
  return out.str();
}

TEST(WriteTextReport, TotalsAndStacks) {
  std::string text = Report(TwoStacks());
  EXPECT_THAT(text, HasSubstr("allocprof: PID 42 (app), traced for 2.0 s, 10 events"));
  EXPECT_THAT(text, HasSubstr("Outstanding: 5100 B (5.0 KiB) in 6 objects: heap 5100 B"));
  EXPECT_THAT(text, HasSubstr("Allocated: 9100 B (8.9 KiB) in 10 objects; freed: 4000 B (3.9 KiB) in 4 objects"));
  EXPECT_THAT(text, HasSubstr("Lost: none"));
  EXPECT_THAT(text, HasSubstr("Top 2 of 2 stacks"));
  EXPECT_LT(text.find("leak_big"), text.find("leak_small"));
  EXPECT_THAT(text, Not(HasSubstr("freed_all")));
}

TEST(WriteTextReport, AllocationTracingListsEveryKindButPages) {
  std::string text = Report(TwoStacks());
  EXPECT_THAT(text, HasSubstr("heap 5100 B, anon mmap 0 B, file mmap 0 B, brk 0 B\n"));
  EXPECT_THAT(text, HasSubstr("Allocator backing memory: "));
  EXPECT_THAT(text, Not(HasSubstr("Pages mode")));
}

TEST(WriteTextReport, PagesModeSaysSoAndCountsPagesOnly) {
  Profile p;
  p.page_bytes = 4096;
  p.totals.outstanding.bytes[static_cast<int>(MemKind::kPages)] = 8192;
  p.totals.outstanding.objects[static_cast<int>(MemKind::kPages)] = 2;
  std::string text = Report(p);
  EXPECT_THAT(text, HasSubstr("Outstanding: 8192 B (8.0 KiB) in 2 objects: pages 8192 B\n"));
  EXPECT_THAT(text, HasSubstr("Pages mode: pages of 4096 B"));
  EXPECT_THAT(text, Not(HasSubstr("Allocator backing memory")));
}

TEST(WriteTextReport, FramesShowTheirLinesAndInlinedFunctionsHaveNoAddress) {
  Profile p = TwoStacks();
  ProfileStack& stack = p.stacks[0];  // malloc <- leak_big <- main
  stack.frames[1].offset = 0x1a;
  stack.frames[1] = WithLine(stack.frames[1], "/src/app/leak.c", 20);
  ProfileFrame helper = WithLine(stack.frames[1], "/src/app/helper.h", 7, true);
  helper.function = "helper";
  stack.frames.insert(stack.frames.begin() + 1, helper);
  std::string text = Report(p);
  EXPECT_THAT(text, HasSubstr("#1   (inlined)          helper (/src/app/helper.h:7)\n"));
  EXPECT_THAT(text, HasSubstr("#2   0x0000000000401020 leak_big+0x1a (/src/app/leak.c:20) "
                              "(/usr/bin/app)\n"));
  EXPECT_THAT(text, HasSubstr("#3   0x0000000000401030 main (/usr/bin/app)\n"));
}

TEST(WriteTextReport, TopLimitsTheStacksShown) {
  std::string text = Report(TwoStacks(), 1);
  EXPECT_THAT(text, HasSubstr("Top 1 of 2 stacks"));
  EXPECT_THAT(text, Not(HasSubstr("leak_small")));
}

TEST(WriteTextReport, LossesAreNamedWithAWarning) {
  Profile p = TwoStacks();
  p.losses = {{"events (ring buffer full)", 12}, {"stacks (stack map collision)", 3}};
  EXPECT_THAT(Report(p),
              HasSubstr("Lost: 12 events (ring buffer full), 3 stacks (stack map "
                        "collision). WARNING: the figures above are lower bounds."));
}

TEST(WriteTextReport, TruncatedStacksAloneLoseNoBytes) {
  Profile p = TwoStacks();
  p.losses = {{kTruncatedStacksLoss, 3}};
  EXPECT_THAT(Report(p), HasSubstr("Lost: 3 stacks truncated (their bytes are counted; "
                                   "frames above [truncated] are missing)\n"));
  p.losses.push_back({"events (ring buffer full)", 1});
  EXPECT_THAT(Report(p), HasSubstr("WARNING: the figures above are lower bounds"));
}

TEST(WriteTextReport, NotesArePrinted) {
  Profile p = TwoStacks();
  p.notes = {"2 allocator calls were already under way when tracing began and are not counted."};
  std::string text = Report(p);
  EXPECT_THAT(text, HasSubstr("Lost: none"));
  EXPECT_THAT(text, HasSubstr("Note: 2 allocator calls were already under way"));
}

// Names, paths and the target's name are the target's to choose: no byte of
// them reaches the terminal as a control.
TEST(WriteTextReport, TargetTextCannotControlTheTerminal) {
  Profile p = TwoStacks();
  p.target = "PID 42 (\x1b]0;owned\x07)";
  p.stacks[0].frames[1].function = "leak\x1b[2J\nforged line";
  p.stacks[0].frames[1].module = "/tmp/\xc2\x9blib.so";
  p.stacks[0].frames[1].offset = 4;
  p.mismatch_example = "free\r";
  p.totals.mismatched_frees = 1;
  std::string text = Report(p);
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    EXPECT_TRUE(c == '\n' || (u >= 0x20 && u != 0x7f && u < 0x80)) << static_cast<int>(u);
  }
  EXPECT_THAT(text, HasSubstr("PID 42 (\\x1b]0;owned\\x07)"));
  EXPECT_THAT(text, HasSubstr("leak\\x1b[2J\\x0aforged line"));
  EXPECT_THAT(text, HasSubstr("(/tmp/\\u009blib.so)"));
  std::ostringstream summary;
  p.totals.outstanding.bytes[0] = 5100;
  WriteIntervalSummary(summary, p);
  EXPECT_THAT(summary.str(), HasSubstr("leak\\x1b[2J\\x0aforged line"));
}

TEST(WriteTextReport, PreSessionReleasesAreReportedApart) {
  Profile p = TwoStacks();
  p.totals.unknown_frees = 7;
  p.totals.unknown_unmapped_bytes = 8192;
  EXPECT_THAT(Report(p), HasSubstr("allocated before the session (not counted): 7 frees, 8192 B (8.0 KiB) unmapped"));
}

TEST(WriteTextReport, LostStackSaysSo) {
  Profile p = TwoStacks();
  p.stacks[0].lost = true;
  EXPECT_THAT(Report(p), HasSubstr("[stack lost; the caller below is all that is known]"));
}

TEST(WriteIntervalSummary, TotalsAndTheTopStacksWithoutTheAllocatorFrame) {
  std::ostringstream out;
  WriteIntervalSummary(out, TwoStacks());
  EXPECT_THAT(out.str(), HasSubstr("[2.0s] outstanding 5100 B (5.0 KiB) in 6 objects"));
  EXPECT_THAT(out.str(), HasSubstr("5000 B  leak_big <- main\n"));
  EXPECT_THAT(out.str(), Not(HasSubstr("freed_all")));
}

}  // namespace
}  // namespace allocprof
