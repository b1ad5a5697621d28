#include "userspace/attach/verifier_budget.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace allocprof {
namespace {

const char* UnwindName(uint32_t mode) {
  switch (mode) {
    case AP_UNWIND_AUTO: return "auto";
    case AP_UNWIND_DWARF: return "dwarf";
    default: return "fp";
  }
}

}  // namespace

std::string BudgetCombination::Name() const {
  return absl::StrCat(UnwindName(unwind_mode), pages_mode ? " pages" : " heap",
                      sampling ? " sampled" : "", sessions ? " sessions" : " uprobes",
                      java ? " java" : "");
}

std::vector<BudgetCombination> AllBudgetCombinations() {
  std::vector<BudgetCombination> all;
  for (uint32_t unwind : {AP_UNWIND_AUTO, AP_UNWIND_DWARF, AP_UNWIND_FP}) {
    for (bool pages : {false, true}) {
      for (bool sampling : {false, true}) {
        for (bool sessions : {true, false}) {
          for (bool java : {true, false}) {
            all.push_back({unwind, pages, sampling, sessions, java});
          }
        }
      }
    }
  }
  return all;
}

BudgetRow MeasureCombination(const BudgetCombination& combination,
                             const KernelFeatures& features, pid_t tgid) {
  BudgetRow row;
  row.combination = combination;
  ProbeConfig config;
  config.tgid = tgid;
  config.unwind_mode = combination.unwind_mode;
  config.pages_mode = combination.pages_mode;
  // The policy the pages programs check on a fault: any but "never" keeps
  // the huge-page path in what is verified.
  if (combination.pages_mode) config.thp = {ThpMode::kAlways, 2u << 20};
  config.sample_bytes = combination.sampling ? 512 * 1024 : 0;
  config.sessions = combination.sessions;
  config.java_probe = combination.java;
  // Small maps: the figures do not depend on their sizes.
  config.ring_buffer_bytes = 1u << 20;
  config.unwind_rows = 1024;
  const auto start = std::chrono::steady_clock::now();
  auto probes = BpfProbes::Load(config, features);
  row.load_ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start).count();
  if (!probes.ok()) {
    row.error = std::string(probes.status().message());
    return row;
  }
  std::vector<std::string> steps;
  // A refusal is among the degradations below; a kernel without sessions
  // is not one.
  if (combination.sessions && !features.uprobe_session) {
    steps.push_back("uprobes (no sessions in this kernel)");
  }
  for (const Degradation& d : (*probes)->degradations()) {
    row.refused = true;
    steps.push_back(absl::StrCat(d.what, ": ", d.why));
  }
  row.loaded = absl::StrJoin(steps, "; ");
  row.programs = (*probes)->verifier_stats();
  return row;
}

std::string FormatBudgetTable(const std::vector<BudgetRow>& rows,
                              const KernelFeatures& features) {
  std::string out = absl::StrFormat(
      "BPF verifier figures on kernel %s (budget %d processed insns a program, "
      "the kernel's limit 1000000)\n%-38s %-22s %9s %7s %7s %9s\n",
      features.release, kVerifierBudgetInsns, "combination", "program", "insns",
      "states", "peak", "verify_us");
  uint64_t largest = 0;
  std::string largest_where;
  for (const BudgetRow& row : rows) {
    const std::string name = row.combination.Name();
    if (!row.error.empty()) {
      absl::StrAppend(&out, absl::StrFormat("%-38s NOT LOADED: %s\n", name, row.error));
      continue;
    }
    for (const VerifierStats& v : row.programs) {
      absl::StrAppend(&out, absl::StrFormat("%-38s %-22s %9d %7d %7d %9d\n", name, v.program,
                                            v.insns, v.total_states, v.peak_states,
                                            v.verify_us));
      if (v.insns > largest) {
        largest = v.insns;
        largest_where = absl::StrCat(v.program, " in ", name);
      }
    }
    absl::StrAppend(&out, absl::StrFormat("%-38s %-22s %.1f ms%s\n", name, "(whole load)",
                                          row.load_ms,
                                          row.loaded.empty() ? "" : "; loaded " + row.loaded));
  }
  absl::StrAppend(&out, absl::StrFormat(
                            "largest: %d insns (%.1f%% of the limit), %s\n", largest,
                            static_cast<double>(largest) / 1e4, largest_where));
  return out;
}

std::vector<std::string> BudgetProblems(const std::vector<BudgetRow>& rows,
                                        uint64_t budget_insns) {
  std::vector<std::string> problems;
  for (const BudgetRow& row : rows) {
    const std::string name = row.combination.Name();
    if (!row.error.empty()) {
      problems.push_back(absl::StrCat(name, ": not loaded: ", row.error));
      continue;
    }
    if (row.refused) problems.push_back(absl::StrCat(name, ": loaded with less: ", row.loaded));
    for (const VerifierStats& v : row.programs) {
      if (v.insns == 0) {
        problems.push_back(absl::StrCat(name, ": ", v.program, ": no verifier figure"));
      } else if (v.insns > budget_insns) {
        problems.push_back(absl::StrCat(name, ": ", v.program, ": ", v.insns,
                                        " insns, over the budget of ", budget_insns));
      }
    }
  }
  return problems;
}

}  // namespace allocprof
