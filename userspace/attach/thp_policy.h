// When the kernel fills a transparent huge page on a write fault into
// anonymous memory, as /sys/kernel/mm/transparent_hugepage says: pages mode
// must count such a fault as the whole huge page, not one small page.
#ifndef ALLOCPROF_USERSPACE_ATTACH_THP_POLICY_H_
#define ALLOCPROF_USERSPACE_ATTACH_THP_POLICY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace allocprof {

// The same numbers as the BPF side's thp_policy (bpf/page_probes.bpf.h).
enum class ThpMode : uint32_t {
  kNever = 0,
  kMadvise = 1,  // only in mappings given MADV_HUGEPAGE
  kAlways = 2,   // in every mapping not given MADV_NOHUGEPAGE
};

struct ThpPolicy {
  ThpMode mode = ThpMode::kNever;
  uint64_t size = 2 << 20;  // the PMD-sized huge page
  // Smaller multi-size huge pages (Linux 6.8+) that are enabled, in KiB: a
  // fault may then fill more than the one page pages mode counts.
  std::vector<uint64_t> other_sizes_kib;
};

// The policy from the contents of transparent_hugepage/enabled (`top`),
// hugepages-<size>kB/enabled for the PMD size (`pmd`; empty on kernels
// before 6.8: the top setting alone counts) and hpage_pmd_size. Each
// setting reads as "always [madvise] never"; "inherit" takes the top one.
ThpMode ParseThpSetting(absl::string_view setting, ThpMode inherited);

// Reads this host's policy; a kernel without THP reads as kNever.
ThpPolicy TransparentHugePages();

// A line for the report's notes when other_sizes_kib is not empty (pages
// mode then counts low); "" otherwise.
std::string ThpNote(const ThpPolicy& policy);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_THP_POLICY_H_
