// allocprof-verifier-budget: loads allocprof's BPF programs in every
// configuration that changes what the verifier checks, on this kernel, and
// prints what each cost the verifier. Exits 1 when a program is over the
// budget (a fifth of the kernel's limit) or a configuration did not load as
// asked. Needs root; attaches nothing.
//   allocprof-verifier-budget [--budget INSNS]
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "userspace/attach/verifier_budget.h"

namespace {

int Quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

}  // namespace

int main(int argc, char** argv) {
  uint64_t budget = allocprof::kVerifierBudgetInsns;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    char* end = nullptr;
    if (arg == "--budget" && i + 1 < argc &&
        (budget = std::strtoull(argv[i + 1], &end, 10), *end == '\0' && budget > 0)) {
      ++i;
    } else {
      std::cerr << "usage: allocprof-verifier-budget [--budget INSNS]\n";
      return 2;
    }
  }
  if (geteuid() != 0) {
    std::cerr << "allocprof-verifier-budget: loading BPF programs needs root\n";
    return 2;
  }
  libbpf_set_print(Quiet);
  const allocprof::KernelFeatures features = allocprof::KernelFeatures::Probe();
  std::vector<allocprof::BudgetRow> rows;
  for (const allocprof::BudgetCombination& c : allocprof::AllBudgetCombinations()) {
    rows.push_back(allocprof::MeasureCombination(c, features, getpid()));
  }
  std::cout << allocprof::FormatBudgetTable(rows, features);
  const std::vector<std::string> problems = allocprof::BudgetProblems(rows, budget);
  for (const std::string& p : problems) std::cout << "OVER BUDGET OR NOT LOADED: " << p << "\n";
  std::cout << (problems.empty() ? "verifier budget: all programs within " : "verifier budget: FAILED, budget ")
            << budget << " insns\n";
  return problems.empty() ? 0 : 1;
}
