// Every BPF program, in every configuration that changes what the verifier
// checks, loads on this kernel as asked and costs the verifier at most a
// fifth of its 1M-instruction limit (userspace/attach/verifier_budget.h).
// Runs on the host and in the kernel matrix (tests/kernels); the table is
// printed either way.
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>

#include "userspace/attach/verifier_budget.h"

namespace allocprof {
namespace {

int Quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

TEST(VerifierBudgetTest, EveryProgramInEveryCombinationIsWithinBudget) {
  libbpf_set_print(Quiet);
  const KernelFeatures features = KernelFeatures::Probe();
  std::vector<BudgetRow> rows;
  for (const BudgetCombination& c : AllBudgetCombinations()) {
    rows.push_back(MeasureCombination(c, features, getpid()));
  }
  std::cout << FormatBudgetTable(rows, features);
  for (const std::string& problem : BudgetProblems(rows, kVerifierBudgetInsns)) {
    ADD_FAILURE() << problem;
  }
  // Each loaded combination had its heap and syscall programs checked, and
  // its pages programs where it attaches them (only pages mode loads them).
  for (const BudgetRow& row : rows) {
    if (!row.error.empty()) continue;
    bool has_fault = false, has_mmap = false, has_alloc = false;
    for (const VerifierStats& v : row.programs) {
      has_fault |= v.program == "ap_page_fault";
      has_mmap |= v.program == "ap_addr_space_exit";
      has_alloc |= v.program == "ap_alloc_session" || v.program == "ap_alloc_entry";
    }
    EXPECT_TRUE(has_mmap && has_alloc) << row.combination.Name();
    EXPECT_EQ(has_fault, row.combination.pages_mode) << row.combination.Name();
  }
}

TEST(VerifierBudgetTest, SessionsAreUsedWhereTheKernelHasThem) {
  libbpf_set_print(Quiet);
  const KernelFeatures features = KernelFeatures::Probe();
  BudgetCombination c;
  c.sessions = true;
  const BudgetRow row = MeasureCombination(c, features, getpid());
  ASSERT_TRUE(row.error.empty()) << row.error;
  bool session = false;
  for (const VerifierStats& v : row.programs) session |= v.program == "ap_alloc_session";
  EXPECT_EQ(session, features.uprobe_session) << features.release;
}

}  // namespace
}  // namespace allocprof
