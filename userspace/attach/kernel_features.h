// What the running kernel offers allocprof's BPF programs, probed once at
// start: the load then chooses the programs that fit (bpf_probes.h), and -v
// says which and why.
#ifndef ALLOCPROF_USERSPACE_ATTACH_KERNEL_FEATURES_H_
#define ALLOCPROF_USERSPACE_ATTACH_KERNEL_FEATURES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace allocprof {

struct KernelFeatures {
  std::string release;          // uname -r
  bool ring_buffer = false;     // BPF_MAP_TYPE_RINGBUF (5.8)
  bool task_storage = false;    // BPF_MAP_TYPE_TASK_STORAGE (5.11)
  bool attach_cookie = false;   // bpf_get_attach_cookie (5.15)
  bool task_pt_regs = false;    // bpf_task_pt_regs (5.15)
  bool bpf_loop = false;        // bpf_loop (5.17): the CFI walk
  bool find_vma = false;        // bpf_find_vma (5.17): pages mode
  bool uprobe_multi = false;    // BPF_TRACE_UPROBE_MULTI (6.6)
  bool uprobe_session = false;  // BPF_TRACE_UPROBE_SESSION (6.13)

  // Probes the running kernel (its BTF and test loads of helpers and maps).
  static KernelFeatures Probe();

  // OK when allocprof can trace at all here (heap or pages mode as asked);
  // otherwise what the kernel lacks, for a one-line error.
  absl::Status CheckTraceable(bool pages_mode) const;

  // One line per feature for -v: "uprobe sessions: yes (6.13+)".
  std::vector<std::string> Describe() const;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_KERNEL_FEATURES_H_
