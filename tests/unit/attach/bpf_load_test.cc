// What allocprof makes of the verifier's words, and how it steps down when
// the kernel refuses a program (userspace/attach/bpf_probes.h).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "userspace/attach/bpf_probes.h"
#include "userspace/attach/verifier_budget.h"

namespace allocprof {
namespace {

constexpr char kTooLarge[] =
    "BPF program is too large. Processed 1000001 insn\n"
    "processed 1000001 insns (limit 1000000) max_states_per_insn 21 total_states 49839 "
    "peak_states 106035 mark_read 0\n";

TEST(VerifierLogTest, StatsAreReadFromTheStatsLines) {
  const VerifierStats s = ParseVerifierStats(
      "ap_alloc_session",
      "verification time 4463 usec\nstack depth 96+0\n"
      "processed 4383 insns (limit 1000000) max_states_per_insn 2 total_states 262 "
      "peak_states 256 mark_read 7\n");
  EXPECT_EQ(s.program, "ap_alloc_session");
  EXPECT_EQ(s.insns, 4383u);
  EXPECT_EQ(s.total_states, 262u);
  EXPECT_EQ(s.peak_states, 256u);
  EXPECT_EQ(s.verify_us, 4463u);
}

TEST(VerifierLogTest, RefusedProgramCountsWhatTheKernelProcessed) {
  const VerifierStats s = ParseVerifierStats("p", kTooLarge);
  EXPECT_EQ(s.insns, 1000001u);
  EXPECT_EQ(s.peak_states, 106035u);
}

TEST(VerifierLogTest, EmptyLogHasNoFigures) {
  const VerifierStats s = ParseVerifierStats("p", "");
  EXPECT_EQ(s.insns, 0u);
  EXPECT_EQ(s.verify_us, 0u);
}

TEST(VerifierLogTest, ComplaintIsTheFirstLineThatIsNotAFigure) {
  EXPECT_EQ(VerifierComplaint(kTooLarge), "BPF program is too large. Processed 1000001 insn");
  EXPECT_EQ(VerifierComplaint("processed 10 insns (limit 1000000)\n"), "");
  EXPECT_EQ(VerifierComplaint(std::string(500, 'x')).size(), 160u);
}

TEST(StepDownTest, SessionsGoFirstThenTheWalkThenTheJvmProbe) {
  ProbeConfig config;
  config.sessions = true;
  config.unwind_mode = AP_UNWIND_AUTO;
  config.java_probe = true;

  auto step = StepDown("ap_alloc_session", "too large", &config);
  ASSERT_TRUE(step.has_value());
  EXPECT_FALSE(config.sessions);
  EXPECT_EQ(config.unwind_mode, AP_UNWIND_AUTO);
  EXPECT_EQ(step->why, "too large");

  step = StepDown("ap_alloc_entry", "too large", &config);
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(config.unwind_mode, AP_UNWIND_FP);
  EXPECT_EQ(step->what, "stacks are frame-pointer walks");
  EXPECT_NE(step->cost.find("frame pointers"), std::string::npos);

  step = StepDown("ap_addr_space_exit", "invalid access", &config);
  ASSERT_TRUE(step.has_value());
  EXPECT_FALSE(config.java_probe);

  EXPECT_FALSE(StepDown("ap_addr_space_exit", "invalid access", &config).has_value());
}

TEST(StepDownTest, RefusedJvmProbeIsLeftOutAloneFirst) {
  ProbeConfig config;
  config.sessions = true;
  config.unwind_mode = AP_UNWIND_DWARF;
  auto step = StepDown("ap_java_method_load", "unknown func", &config);
  ASSERT_TRUE(step.has_value());
  EXPECT_FALSE(config.java_probe);
  EXPECT_TRUE(config.sessions);
  EXPECT_EQ(config.unwind_mode, AP_UNWIND_DWARF);
}

TEST(VerifierBudgetTest, EveryCombinationOnce) {
  const auto all = AllBudgetCombinations();
  EXPECT_EQ(all.size(), 48u);
  std::set<std::string> names;
  for (const auto& c : all) names.insert(c.Name());
  EXPECT_EQ(names.size(), all.size());
}

TEST(VerifierBudgetTest, ProblemsNameWhatIsOverOrMissing) {
  BudgetRow fine;
  fine.programs = {{"a", 1000, 10, 10, 5}};
  BudgetRow over;
  over.programs = {{"b", 250000, 10, 10, 5}};
  BudgetRow unmeasured;
  unmeasured.programs = {{"c", 0, 0, 0, 0}};
  BudgetRow failed;
  failed.error = "cannot load";
  BudgetRow refused;
  refused.programs = {{"d", 10, 1, 1, 1}};
  refused.refused = true;
  refused.loaded = "stacks are frame-pointer walks: too large";

  EXPECT_TRUE(BudgetProblems({fine}, kVerifierBudgetInsns).empty());
  const auto problems =
      BudgetProblems({fine, over, unmeasured, failed, refused}, kVerifierBudgetInsns);
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_NE(problems[0].find("250000 insns, over the budget"), std::string::npos);
  EXPECT_NE(problems[1].find("no verifier figure"), std::string::npos);
  EXPECT_NE(problems[2].find("not loaded: cannot load"), std::string::npos);
  EXPECT_NE(problems[3].find("loaded with less"), std::string::npos);
}

}  // namespace
}  // namespace allocprof
