// The verifier's cost of every BPF program in every configuration that
// changes what is verified (--unwind, --mode pages, sampling, sessions, the
// JVM probe), loaded for real on the running kernel. The kernel gives up at
// 1M processed instructions, and a figure near it on one kernel build is
// over it on the next: allocprof keeps every program under a fifth of it,
// and its tests and benchmark print this table.
#ifndef ALLOCPROF_USERSPACE_ATTACH_VERIFIER_BUDGET_H_
#define ALLOCPROF_USERSPACE_ATTACH_VERIFIER_BUDGET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "userspace/attach/bpf_probes.h"
#include "userspace/attach/kernel_features.h"

namespace allocprof {

// A fifth of the kernel's limit (BPF_COMPLEXITY_LIMIT_INSNS, 1M).
inline constexpr uint64_t kVerifierBudgetInsns = 200000;

struct BudgetCombination {
  uint32_t unwind_mode = AP_UNWIND_AUTO;
  bool pages_mode = false;
  bool sampling = false;
  bool sessions = true;
  bool java = true;

  std::string Name() const;  // "auto pages sampled sessions java"
};

struct BudgetRow {
  BudgetCombination combination;
  std::string loaded;  // what was loaded: "" as asked, else the steps down
  std::string error;   // why nothing loaded; "" when it did
  bool refused = false;  // the kernel refused a program: loaded with less
  double load_ms = 0;  // open to loaded, all programs
  std::vector<VerifierStats> programs;
};

// Every combination (3 x 2 x 2 x 2 x 2).
std::vector<BudgetCombination> AllBudgetCombinations();

// Loads `combination` for process `tgid` (no probe is attached).
BudgetRow MeasureCombination(const BudgetCombination& combination,
                             const KernelFeatures& features, pid_t tgid);

// The table: one line per program and combination, with the kernel, and a
// line per combination that did not load as asked.
std::string FormatBudgetTable(const std::vector<BudgetRow>& rows,
                              const KernelFeatures& features);

// What is over the budget or did not load as asked; empty when all is well.
std::vector<std::string> BudgetProblems(const std::vector<BudgetRow>& rows,
                                        uint64_t budget_insns);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_VERIFIER_BUDGET_H_
