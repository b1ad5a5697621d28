// What the host must offer before anything is loaded: privileges, kernel
// BTF for CO-RE, and a mounted tracefs for the syscall tracepoints.
#ifndef ALLOCPROF_USERSPACE_ATTACH_HOST_CHECKS_H_
#define ALLOCPROF_USERSPACE_ATTACH_HOST_CHECKS_H_

#include "absl/status/status.h"

namespace allocprof {

// CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) in the effective set.
absl::Status CheckPrivileges();

// /sys/kernel/btf/vmlinux: the BPF object is relocated against it at load.
absl::Status CheckKernelBtf();

// libbpf finds tracepoint ids under tracefs, which a fresh host may not have
// mounted: mount it at /sys/kernel/tracing when neither it nor the debugfs
// copy is there.
absl::Status EnsureTracefs();

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_HOST_CHECKS_H_
