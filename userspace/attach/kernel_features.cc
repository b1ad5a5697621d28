#include "userspace/attach/kernel_features.h"

#include <bpf/libbpf.h>
#include <sys/utsname.h>

#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "userspace/attach/uprobe_multi.h"

namespace allocprof {
namespace {

bool HasHelper(bpf_prog_type type, bpf_func_id helper) {
  return libbpf_probe_bpf_helper(type, helper, nullptr) == 1;
}

std::string YesNo(bool present, absl::string_view since) {
  return absl::StrCat(present ? "yes" : "no", " (Linux ", since, "+)");
}

}  // namespace

KernelFeatures KernelFeatures::Probe() {
  KernelFeatures f;
  utsname name = {};
  if (uname(&name) == 0) f.release = name.release;
  f.ring_buffer = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1;
  f.task_storage = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nullptr) == 1;
  f.attach_cookie = HasHelper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_attach_cookie);
  f.task_pt_regs = HasHelper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_task_pt_regs);
  f.bpf_loop = HasHelper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_loop);
  f.find_vma = HasHelper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_find_vma);
  f.uprobe_multi = KernelMakesUprobeMultiLinks(kAttachUprobeMulti);
  f.uprobe_session = f.uprobe_multi && KernelMakesUprobeMultiLinks(kAttachUprobeSession);
  return f;
}

absl::Status KernelFeatures::CheckTraceable(bool pages_mode) const {
  std::vector<std::string> missing;
  if (!ring_buffer) missing.push_back("the BPF ring buffer (Linux 5.8)");
  if (!task_pt_regs) missing.push_back("bpf_task_pt_regs (Linux 5.15)");
  if (pages_mode) {
    if (!find_vma) missing.push_back("bpf_find_vma (Linux 5.17), which --mode pages needs");
  } else {
    if (!task_storage) missing.push_back("BPF task storage (Linux 5.11)");
    if (!attach_cookie) missing.push_back("BPF cookies (Linux 5.15)");
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "this kernel (", release, ") lacks ", absl::StrJoin(missing, ", "),
      "; allocprof needs Linux 5.17 or later (6.1+ is tested)"));
}

std::vector<std::string> KernelFeatures::Describe() const {
  return {
      absl::StrCat("kernel ", release),
      absl::StrCat("BPF ring buffer: ", YesNo(ring_buffer, "5.8")),
      absl::StrCat("task storage: ", YesNo(task_storage, "5.11")),
      absl::StrCat("BPF cookies: ", YesNo(attach_cookie, "5.15")),
      absl::StrCat("bpf_task_pt_regs: ", YesNo(task_pt_regs, "5.15")),
      absl::StrCat("bpf_loop (CFI stack walks): ", YesNo(bpf_loop, "5.17")),
      absl::StrCat("bpf_find_vma (pages mode): ", YesNo(find_vma, "5.17")),
      absl::StrCat("uprobe_multi links: ", YesNo(uprobe_multi, "6.6")),
      absl::StrCat("uprobe sessions: ", YesNo(uprobe_session, "6.13")),
  };
}

}  // namespace allocprof
