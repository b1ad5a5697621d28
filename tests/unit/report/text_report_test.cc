#include "userspace/report/text_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tests/unit/report/fake_stack_names.h"

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

ReportInput TwoStacks(FakeStackNames& names) {
  names.Add(1, {"malloc", "leak_big", "main"});
  names.Add(2, {"malloc", "leak_small", "main"});
  ReportInput in;
  in.target = "PID 42 (app)";
  in.seconds = 2.0;
  in.events = 10;
  in.stacks = {{1, HeapUsage(5000, 5)}, {2, HeapUsage(100, 1)}};
  in.totals.outstanding = HeapUsage(5100, 6);
  in.totals.alloc_bytes = 9100;
  in.totals.alloc_objects = 10;
  in.totals.freed_bytes = 4000;
  in.totals.freed_objects = 4;
  return in;
}

TEST(WriteTextReport, TotalsAndStacks) {
  FakeStackNames names;
  ReportInput in = TwoStacks(names);
  std::ostringstream out;
  WriteTextReport(out, in, names);
  std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("Outstanding: 5100 B (5.0 KiB) in 6 objects: heap 5100 B"));
  EXPECT_THAT(text, HasSubstr("Allocated: 9100 B (8.9 KiB) in 10 objects; freed: 4000 B (3.9 KiB) in 4 objects"));
  EXPECT_THAT(text, HasSubstr("Lost: none"));
  EXPECT_THAT(text, HasSubstr("Top 2 of 2 stacks"));
  EXPECT_LT(text.find("leak_big"), text.find("leak_small"));
}

TEST(WriteTextReport, TopLimitsTheStacksShown) {
  FakeStackNames names;
  ReportInput in = TwoStacks(names);
  in.top = 1;
  std::ostringstream out;
  WriteTextReport(out, in, names);
  EXPECT_THAT(out.str(), HasSubstr("Top 1 of 2 stacks"));
  EXPECT_THAT(out.str(), Not(HasSubstr("leak_small")));
}

TEST(WriteTextReport, LossesAreNamedWithAWarning) {
  FakeStackNames names;
  ReportInput in = TwoStacks(names);
  in.health.drops[AP_CNT_RINGBUF_FULL] = 12;
  in.health.drops[AP_CNT_STACK_COLLISION] = 3;
  std::ostringstream out;
  WriteTextReport(out, in, names);
  EXPECT_THAT(out.str(),
              HasSubstr("Lost: 12 events (ring buffer full), 3 stacks (stack map "
                        "collision). WARNING: the figures above are lower bounds."));
}

TEST(WriteTextReport, CallsUnderWayAtAttachAreANoteNotALoss) {
  FakeStackNames names;
  ReportInput in = TwoStacks(names);
  in.health.drops[AP_CNT_RETURN_UNMATCHED] = 2;
  std::ostringstream out;
  WriteTextReport(out, in, names);
  EXPECT_THAT(out.str(), HasSubstr("Lost: none"));
  EXPECT_THAT(out.str(), HasSubstr("Note: 2 allocator calls were already under way"));
}

TEST(WriteTextReport, PreSessionReleasesAreReportedApart) {
  FakeStackNames names;
  ReportInput in = TwoStacks(names);
  in.totals.unknown_frees = 7;
  in.totals.unknown_unmapped_bytes = 8192;
  std::ostringstream out;
  WriteTextReport(out, in, names);
  EXPECT_THAT(out.str(), HasSubstr("allocated before the session (not counted): 7 frees, 8192 B (8.0 KiB) unmapped"));
}

TEST(WriteIntervalSummary, TotalsAndTheTopStacksWithoutTheAllocatorFrame) {
  FakeStackNames names;
  ReportInput in = TwoStacks(names);
  std::ostringstream out;
  WriteIntervalSummary(out, in, names);
  EXPECT_THAT(out.str(), HasSubstr("[2.0s] outstanding 5100 B (5.0 KiB) in 6 objects"));
  EXPECT_THAT(out.str(), HasSubstr("5000 B  leak_big <- main\n"));
}

}  // namespace
}  // namespace allocprof
