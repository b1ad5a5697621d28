#include "userspace/attach/host_checks.h"

#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace allocprof {
namespace {

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

bool HasCap(const __user_cap_data_struct (&data)[2], int cap) {
  return data[cap / 32].effective & (1u << (cap % 32));
}

constexpr char kTracefs[] = "/sys/kernel/tracing";

}  // namespace

absl::Status CheckPrivileges() {
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) {
    return absl::ErrnoToStatus(errno, "cannot read capabilities");
  }
  bool ok = HasCap(data, CAP_SYS_ADMIN) ||
            (HasCap(data, CAP_BPF) && HasCap(data, CAP_PERFMON));
  if (!ok) {
    return absl::PermissionDeniedError(
        "needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs; run it "
        "with sudo");
  }
  return absl::OkStatus();
}

absl::Status CheckKernelBtf() {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    return absl::FailedPreconditionError(
        "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing); "
        "allocprof needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
  }
  return absl::OkStatus();
}

absl::Status EnsureTracefs() {
  if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
      access("/sys/kernel/debug/tracing/events", F_OK) == 0) {
    return absl::OkStatus();
  }
  if (mount("tracefs", kTracefs, "tracefs", 0, nullptr) != 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("tracefs is not mounted and mounting it at ",
                            kTracefs, " failed"));
  }
  return absl::OkStatus();
}

}  // namespace allocprof
