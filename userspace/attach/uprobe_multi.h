// Uprobe-multi links made through the bpf syscall: one link puts a program
// on many functions of one object, each with its own cookie. Debian's libbpf
// 1.1 predates these links (kernel 6.6; sessions 6.13), so the attribute is
// laid out here from the kernel's uapi.
#ifndef ALLOCPROF_USERSPACE_ATTACH_UPROBE_MULTI_H_
#define ALLOCPROF_USERSPACE_ATTACH_UPROBE_MULTI_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {

// enum bpf_attach_type values (include/uapi/linux/bpf.h).
inline constexpr uint32_t kAttachUprobeMulti = 48;    // BPF_TRACE_UPROBE_MULTI
inline constexpr uint32_t kAttachUprobeSession = 57;  // BPF_TRACE_UPROBE_SESSION

// A link of `prog_fd` (loaded with `attach_type` as its expected attach
// type) on the file offsets `offsets` of the ELF file at `path`, for process
// `pid` only, with one cookie per offset. Closing the fd detaches it.
absl::StatusOr<UniqueFd> CreateUprobeMultiLink(
    int prog_fd, uint32_t attach_type, const std::string& path,
    const std::vector<uint64_t>& offsets, const std::vector<uint64_t>& cookies,
    pid_t pid);

// Whether the kernel makes uprobe-multi links of `attach_type`
// (kAttachUprobeMulti, kAttachUprobeSession), as libbpf's own feature probe
// tells: an empty program loaded for that type, linked on "/", fails on the
// file (EBADF) where the kernel knows the type, on the type (EINVAL) where
// it does not. About a millisecond, where reading the kernel's BTF to find
// the type's name takes ten.
bool KernelMakesUprobeMultiLinks(uint32_t attach_type);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_UPROBE_MULTI_H_
