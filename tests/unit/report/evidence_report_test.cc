#include "userspace/report/evidence_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tests/unit/profile/profile_test_util.h"
#include "userspace/report/text_report.h"

namespace allocprof {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A cache filled once, a slow leak and churn, sampled five times.
Profile CacheLeakChurn() {
  Profile p;
  p.target = "PID 7 (svc)";
  p.duration_ns = 5'000'000'000;
  p.growth_seconds = {1, 2, 3, 4, 5};
  ProfileStack cache = HeapStack({"malloc", "fill_cache", "main"}, 4 << 20, 256);
  cache.evidence.growth = {4 << 20, 4 << 20, 4 << 20, 4 << 20, 4 << 20};
  ProfileStack leak = HeapStack({"malloc", "leak_step", "main"}, 5120, 5);
  leak.evidence.growth = {1024, 2048, 3072, 4096, 5120};
  ProfileStack churn = HeapStack({"malloc", "churn", "main"}, 0, 0);
  churn.evidence.growth = {64, 0, 128, 0, 0};
  p.stacks = {cache, leak, churn};
  p.totals.outstanding.bytes[0] = (4 << 20) + 5120;
  return p;
}

std::string Report(const Profile& p) {
  std::ostringstream out;
  WriteTextReport(out, p, 10);
  return out.str();
}

TEST(LeakSuspects, OpenTheReportWithTheLeakOnly) {
  const std::string text = Report(CacheLeakChurn());
  const size_t heading = text.find("Leak suspects (steady growth over 5 samples");
  ASSERT_NE(heading, std::string::npos) << text;
  EXPECT_LT(heading, text.find("Outstanding:"));
  EXPECT_THAT(text, HasSubstr("  1. +1024 B/s (1.0 KiB/s), 4 of 4 steps not "
                              "down, fit 1.00: 5120 B (5.0 KiB) in 5 objects; "
                              "leak_step <- main\n"));
  EXPECT_THAT(text, Not(HasSubstr("  2. ")));
}

// The suspect's callers start at the program's own frame, past operator new
// and the std::vector templates; a stack all in the C library keeps its
// callers from the first.
TEST(LeakSuspects, NameTheProgramsOwnFrameFirst) {
  Profile p = CacheLeakChurn();
  ProfileStack resize = HeapStack(
      {"malloc", "operator new(unsigned long)",
       "std::vector<char, std::allocator<char> >::_M_default_append(unsigned long)",
       "remember(int)", "main"},
      5120, 5);
  resize.frames[1].module = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
  resize.frames[1].kind = FrameKind::kLibrary;
  resize.frames[3].file = "/src/cache.cc";
  resize.frames[3].line = 15;
  resize.evidence.growth = {1024, 2048, 3072, 4096, 5120};
  p.stacks[1] = resize;
  EXPECT_THAT(Report(p), HasSubstr("; remember(int) (cache.cc:15) <- main\n"));
  std::ostringstream summary;
  WriteGrowingStacks(summary, p, 3);
  EXPECT_THAT(summary.str(), HasSubstr("  remember(int) (cache.cc:15) <- main\n"));

  ProfileStack libc = HeapStack({"malloc", "_IO_file_doallocate", "__libc_start_call_main"},
                                5120, 5);
  libc.evidence.growth = resize.evidence.growth;
  p.stacks[1] = libc;
  EXPECT_THAT(Report(p), HasSubstr("; _IO_file_doallocate <- __libc_start_call_main\n"));
}

TEST(LeakSuspects, SaysWhenThereAreTooFewSamplesOrNone) {
  Profile p = CacheLeakChurn();
  p.growth_seconds.resize(2);
  EXPECT_THAT(Report(p), HasSubstr("Leak suspects: not enough samples to judge "
                                   "growth (2;"));
  p = CacheLeakChurn();
  p.stacks.erase(p.stacks.begin() + 1);
  EXPECT_THAT(Report(p), HasSubstr("Leak suspects: none (no stack grew "
                                   "steadily over 5 samples)"));
}

TEST(StackEvidence, AgesSizesResidentAndPeeks) {
  ProfileStack s = HeapStack({"mmap", "map_buffers", "main"}, 4 << 20, 2);
  s.inuse_bytes_by_kind[0] = 0;
  s.inuse_bytes_by_kind[1] = 4 << 20;
  s.evidence.oldest_age_ns = 12'000'000'000;
  s.evidence.newest_age_ns = 500'000'000;
  s.evidence.age_objects[0] = 1;
  s.evidence.age_objects[2] = 1;
  s.evidence.size_objects[21] = 2;
  s.evidence.common_size = 2 << 20;
  s.evidence.common_size_objects = 2;
  s.evidence.resident_bytes = 1 << 20;
  PeekedBlock read;
  read.address = 0x7f0000001000;
  read.size = 2 << 20;
  read.age_ns = 12'000'000'000;
  read.bytes = "id=42";
  PeekedBlock gone;
  gone.address = 0x7f0000201000;
  gone.size = 2 << 20;
  gone.error = "the target exited";
  s.evidence.peeks = {read, gone};
  std::ostringstream out;
  WriteStackEvidence(out, s);
  EXPECT_EQ(out.str(),
            "      age: oldest 12.0 s, newest 0.5 s; <1s 1, <10s 0, <1min 1, "
            "<10min 0, older 0\n"
            "      sizes: most common 2097152 B (2 objects); "
            "2097152..4194303 B: 2\n"
            "      resident: 1048576 B (1.0 MiB) of 4194304 B (4.0 MiB) mapped\n"
            "      peek 0x7f0000001000 (2097152 B, 12.0 s old): first 5 bytes\n"
            "        0000  69 64 3d 34 32                                    "
            "|id=42|\n"
            "        strings: \"id=42\"\n"
            "      peek 0x7f0000201000 (2097152 B, 0.0 s old): unreadable: the "
            "target exited\n");
}

TEST(MemoryFacts, ReconcilesAndWarnsWhenGrowthIsUnexplained) {
  Profile p = CacheLeakChurn();
  p.memory.start = {10 << 20, 2 << 20};
  p.memory.end = {20 << 20, 12 << 20};
  std::ostringstream out;
  WriteMemoryFacts(out, p);
  EXPECT_THAT(out.str(), HasSubstr("Resident memory: RSS grew 10485760 B (10.0 MiB) "
                                   "(from 10485760 B (10.0 MiB) to 20971520 B "
                                   "(20.0 MiB)), anonymous memory grew 10485760 B"));
  EXPECT_THAT(out.str(), HasSubstr("Traced: 4199424 B (4.0 MiB) outstanding in "
                                   "heap blocks + 0 B resident in traced "
                                   "mappings = 4199424 B (4.0 MiB), 40% of the "
                                   "RSS growth\n"));
  EXPECT_THAT(out.str(), HasSubstr("WARNING: 6286336 B (6.0 MiB) (60%) of the "
                                   "RSS growth is not explained"));

  p.memory.end = {14 << 20, 6 << 20};
  std::ostringstream explained;
  WriteMemoryFacts(explained, p);
  EXPECT_THAT(explained.str(), Not(HasSubstr("WARNING")));
}

TEST(MemoryFacts, PagesModeSetsItsPagesAgainstTheGrowth) {
  Profile p;
  p.page_bytes = 4096;
  p.totals.outstanding.bytes[static_cast<int>(MemKind::kPages)] = 9 << 20;
  p.memory.start = {10 << 20, 2 << 20};
  p.memory.end = {20 << 20, 12 << 20};
  std::ostringstream out;
  WriteMemoryFacts(out, p);
  EXPECT_THAT(out.str(), HasSubstr("Traced: 9437184 B (9.0 MiB) in pages written "
                                   "during the session, 90% of the RSS growth\n"));
  EXPECT_THAT(out.str(), Not(HasSubstr("WARNING")));
}

TEST(MemoryFacts, TargetGoneAndMinAge) {
  Profile p;
  p.memory.start = {10 << 20, 2 << 20};
  p.memory.end_missing = "the target exited";
  p.min_age_ns = 30'000'000'000;
  std::ostringstream out;
  WriteMemoryFacts(out, p);
  EXPECT_EQ(out.str(),
            "Age filter: only allocations at least 30.0 s old at the end are "
            "counted as outstanding (--min-age)\n"
            "Resident memory: no figures at the end (the target exited); RSS "
            "at the start was 10485760 B (10.0 MiB)\n");
  std::ostringstream none;
  WriteMemoryFacts(none, Profile());
  EXPECT_EQ(none.str(), "");
}

TEST(GrowingStacks, InTheRunningSummary) {
  std::ostringstream out;
  WriteIntervalSummary(out, CacheLeakChurn());
  EXPECT_THAT(out.str(), HasSubstr("  growing +1024 B/s (1.0 KiB/s)  leak_step <- main\n"));
  EXPECT_THAT(out.str(), Not(HasSubstr("growing +0")));
}

}  // namespace
}  // namespace allocprof
