// Leak evidence against tests/testprogs/leak_evidence.c: the slow leak is
// the first suspect and the cache and churn are not; --min-age keeps what
// the program's own clock says is old; --peek shows the text the program
// wrote; the resident figures match what the kernel and the program say.
#include <signal.h>
#include <time.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/leak_evidence_truth.h"

namespace allocprof::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* const kLeakEvidence = ALLOCPROF_E2E_LEAK_EVIDENCE;

// Margins, stated once: pages of the partly touched mapping may be counted
// a little off by the kernel's own allocations nearby; the RSS of the
// program moves by its stdio buffers and page tables between its reading
// and allocprof's.
constexpr int64_t kResidentMargin = 64 * 1024;
constexpr int64_t kRssMargin = 512 * 1024;

int64_t MonotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// A finished trace of leak_evidence --stay, ended with SIGINT right after
// the scenarios, and when the report was taken (between the two times).
struct TracedRun {
  Target target;
  std::unique_ptr<Process> allocprof;
  int64_t stop_sent_ns = 0;
  int64_t report_seen_ns = 0;
};

// `after_first_summary`: send the go signal only once allocprof printed its
// first running summary (needs --interval): by then it has read the
// target's RSS at the start, which it does just after saying it traces.
void TraceLeakEvidence(const std::vector<std::string>& options, TracedRun* run,
                       bool after_first_summary = false) {
  ASSERT_NO_FATAL_FAILURE(StartTarget(kLeakEvidence, {"--stay"}, &run->target));
  std::vector<std::string> args{"-p", std::to_string(run->target.pid)};
  args.insert(args.end(), options.begin(), options.end());
  ASSERT_NO_FATAL_FAILURE(StartTracing(args, run->target.pid, &run->allocprof));
  Process* ap = run->allocprof.get();
  if (after_first_summary) {
    ASSERT_TRUE(Process::PumpUntil(
        {ap}, [ap] { return FirstIntervalSummaryLine(ap->out()) >= 0; },
        kRunTimeout))
        << Outputs(*ap);
  }
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&run->target));
  run->stop_sent_ns = MonotonicNs();
  ap->Signal(SIGINT);
  // The report is printed (and flushed) in one go once it is made.
  ASSERT_TRUE(Process::PumpUntil(
      {ap}, [ap] { return ap->out().find("\nLost: ") != std::string::npos; },
      kRunTimeout))
      << Outputs(*ap);
  run->report_seen_ns = MonotonicNs();
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  run->target.proc->Signal(SIGTERM);
  ASSERT_TRUE(run->target.proc->WaitExit(kRunTimeout));
}

// The numbers after `prefix` on the program's line that starts with it.
std::vector<int64_t> Numbers(const std::string& out, const std::string& prefix) {
  std::vector<int64_t> numbers;
  std::istringstream line(LineStartingWith(out, prefix).substr(prefix.size()));
  for (int64_t n; line >> n;) numbers.push_back(n);
  return numbers;
}

// The lines of the final report's suspects ("  1. ...").
std::vector<std::string> SuspectLines(const std::string& report) {
  std::vector<std::string> lines;
  bool in = false;
  for (const std::string& line : CompleteLines(report)) {
    if (line.rfind("Leak suspects", 0) == 0) {
      lines.clear();
      in = true;
    } else if (in && std::regex_search(line, std::regex("^  [0-9]+\\. "))) {
      lines.push_back(line);
    } else {
      in = false;
    }
  }
  return lines;
}

// The final report's block of the stack whose frames name `function`.
std::string StackBlock(const std::string& report, const std::string& function) {
  const size_t top = report.rfind("\nTop ");
  if (top == std::string::npos) return "";
  std::string block;
  for (const std::string& line : CompleteLines(report.substr(top + 1))) {
    if (line.rfind("#", 0) == 0) {
      if (block.find(" " + function + "+0x") != std::string::npos) return block;
      block.clear();
    }
    block += line + "\n";
  }
  return block.find(" " + function + "+0x") != std::string::npos ? block : "";
}

// The number right after `label` in `text`, or -1.
int64_t NumberAfter(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + label.size()));
}

class LeakEvidenceTest : public E2eTest {};

TEST_F(LeakEvidenceTest, SlowLeakIsTheFirstSuspectWithContentsAndResidentMemory) {
  const std::string json = ScratchPath("evidence.json");
  TracedRun run;
  ASSERT_NO_FATAL_FAILURE(TraceLeakEvidence(
      {"--interval", "0.5", "--peek", "2", "--json", json}, &run,
      /*after_first_summary=*/true));
  const std::string& out = run.allocprof->out();
  const std::string context = Outputs(*run.allocprof);

  // Suspects: the leak first; the cache, the mapping and churn never.
  const std::vector<std::string> suspects = SuspectLines(out);
  ASSERT_FALSE(suspects.empty()) << "no leak suspect\n" << context;
  EXPECT_THAT(suspects[0], HasSubstr("leak_step")) << context;
  // Its callers start at the program's own frame, not the allocator's.
  EXPECT_THAT(suspects[0], HasSubstr("; leak_step")) << context;
  for (const std::string& line : suspects) {
    EXPECT_THAT(line, Not(HasSubstr("fill_cache"))) << context;
    EXPECT_THAT(line, Not(HasSubstr("map_partly_touched"))) << context;
    EXPECT_THAT(line, Not(HasSubstr("churn"))) << context;
  }
  // The running summaries name the growing stack too.
  EXPECT_THAT(out, testing::ContainsRegex("\n  growing \\+[0-9]+ B/s.*leak_step"))
      << context;

  // --peek: the leaked buffers start with the text the program wrote.
  const std::string leak = StackBlock(out, "leak_step");
  ASSERT_FALSE(leak.empty()) << context;
  EXPECT_THAT(leak, HasSubstr("strings: \"" LEAK_TAG)) << context;
  EXPECT_THAT(leak, HasSubstr("sizes: most common " + std::to_string(LEAK_SIZE) +
                              " B (" + std::to_string(LEAK_STEPS) + " objects)"))
      << context;

  // Resident: 1 MiB of the 4 MiB mapping was written.
  const std::string mapping = StackBlock(out, "map_partly_touched");
  const int64_t resident = NumberAfter(mapping, "resident: ");
  EXPECT_NEAR(resident, PARTLY_TOUCHED_SIZE, kResidentMargin) << mapping << context;

  // The RSS growth allocprof saw is the one the program measured, and the
  // traced allocations explain it.
  const std::vector<int64_t> own = Numbers(run.target.proc->out(), RSS_GROWTH_PREFIX);
  ASSERT_EQ(own.size(), 1u) << run.target.proc->out();
  const int64_t grew = NumberAfter(out, "Resident memory: RSS grew ");
  EXPECT_NEAR(grew, own[0], kRssMargin) << context;
  EXPECT_THAT(out, HasSubstr("\nTraced: ")) << context;
  EXPECT_THAT(out, Not(HasSubstr("of the RSS growth is not explained"))) << context;

  // The saved profile names the same suspects.
  std::unique_ptr<Process> report;
  std::string error;
  report = Process::Start({kAllocprof, "report", json}, &error);
  ASSERT_NE(report, nullptr) << error;
  ASSERT_TRUE(report->WaitExit(kRunTimeout));
  EXPECT_TRUE(ExitedWith(*report, 0)) << report->err();
  EXPECT_EQ(SuspectLines(report->out()), suspects) << report->out();
  ExpectNoProgramsLeft();
}

TEST_F(LeakEvidenceTest, MinAgeKeepsOldAllocationsOnly) {
  const std::string folded_path = ScratchPath("old.folded");
  TracedRun run;
  ASSERT_NO_FATAL_FAILURE(
      TraceLeakEvidence({"--min-age", "2s", "--folded", folded_path}, &run));
  const std::string context = Outputs(*run.allocprof);
  EXPECT_THAT(run.allocprof->out(), HasSubstr("Age filter: only allocations at least 2.0 s old"))
      << context;

  // The report was made between stop_sent and report_seen: a leak step is
  // old enough if the program's clock put it 2 s before that moment. The
  // program reads its clock just after malloc returns, later than the probe.
  const std::vector<int64_t> times = Numbers(run.target.proc->out(), LEAK_TIMES_PREFIX);
  ASSERT_EQ(times.size(), static_cast<size_t>(LEAK_STEPS)) << run.target.proc->out();
  constexpr int64_t kMinAge = 2000000000;
  constexpr int64_t kProbeSlack = 50000000;  // probe to clock_gettime, generous
  int64_t at_least = 0, at_most = 0;
  for (int64_t t : times) {
    if (t <= run.stop_sent_ns - kMinAge) ++at_least;
    if (t - kProbeSlack <= run.report_seen_ns - kMinAge) ++at_most;
  }
  ASSERT_LT(at_most, LEAK_STEPS)
      << "the report came more than 2 s after the last leak step; nothing "
         "young was left to drop";

  const Folded folded = ParseFolded(ReadFile(folded_path));
  const int64_t kept = BytesThrough(folded, "leak_step") / LEAK_SIZE;
  EXPECT_GE(kept, at_least) << context;
  EXPECT_LE(kept, at_most) << context;
  EXPECT_EQ(BytesThrough(folded, "fill_cache"),
            static_cast<int64_t>(CACHE_COUNT) * CACHE_BLOCK_SIZE);
  EXPECT_EQ(BytesThrough(folded, "map_partly_touched"), PARTLY_MAP_SIZE);
  EXPECT_EQ(BytesThrough(folded, "churn"), 0) << StacksThrough(folded, "churn");
  ExpectNoProgramsLeft();
}

// A command that exits before the end: suspects from the default sampling,
// and plain words for what can no longer be read.
TEST_F(LeakEvidenceTest, TargetThatExitedIsSaidSo) {
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"--peek", "1", "--", kLeakEvidence, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  const std::string& out = ap->out();
  const std::vector<std::string> suspects = SuspectLines(out);
  ASSERT_FALSE(suspects.empty()) << Outputs(*ap);
  EXPECT_THAT(suspects[0], HasSubstr("leak_step")) << Outputs(*ap);
  EXPECT_THAT(out, HasSubstr("Resident memory: no figures at the end (the target exited)"))
      << Outputs(*ap);
  EXPECT_THAT(out, HasSubstr("unreadable: the target exited")) << Outputs(*ap);
  EXPECT_THAT(out, Not(HasSubstr("strings: \"" LEAK_TAG))) << Outputs(*ap);
  ExpectNoProgramsLeft();
}

TEST_F(LeakEvidenceTest, MisusedOptionsExitTwo) {
  std::string message;
  ASSERT_NO_FATAL_FAILURE(RunFailing(
      {kAllocprof, "--min-age", "30", "-p", "1"}, &message, Failure::kMisuse));
  EXPECT_EQ(message,
            "allocprof: --min-age needs a duration such as 30s, 500ms or 2m "
            "(see allocprof --help)");
  ASSERT_NO_FATAL_FAILURE(RunFailing(
      {kAllocprof, "--min-age=-5s", "-p", "1"}, &message, Failure::kMisuse));
  ASSERT_NO_FATAL_FAILURE(RunFailing(
      {kAllocprof, "--peek", "-1", "-p", "1"}, &message, Failure::kMisuse));
  EXPECT_EQ(message, "allocprof: --peek needs a number from 0 to 1000 (see allocprof --help)");
}

}  // namespace
}  // namespace allocprof::e2e
