#include "userspace/attach/uprobe_multi.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace allocprof {
namespace {

constexpr int kBpfLinkCreate = 28;  // BPF_LINK_CREATE

// union bpf_attr's link_create member with its uprobe_multi arm.
struct LinkCreateAttr {
  uint32_t prog_fd;
  uint32_t target_fd;
  uint32_t attach_type;
  uint32_t flags;
  uint64_t path;             // const char *
  uint64_t offsets;          // const __u64 *
  uint64_t ref_ctr_offsets;  // const __u64 * (USDT semaphores; none here)
  uint64_t cookies;          // const __u64 *
  uint32_t cnt;
  uint32_t multi_flags;      // BPF_F_UPROBE_MULTI_RETURN
  uint32_t pid;
  uint32_t pad;
};
static_assert(offsetof(LinkCreateAttr, path) == 16);
static_assert(offsetof(LinkCreateAttr, cnt) == 48);
static_assert(offsetof(LinkCreateAttr, pid) == 56);

// BPF_LINK_CREATE of a uprobe-multi link: its fd, or -errno.
long LinkCreate(int prog_fd, uint32_t attach_type, const char* path, const uint64_t* offsets,
                const uint64_t* cookies, size_t count, pid_t pid) {
  // The kernel reads the whole bpf_attr size it is given; the rest is zero.
  union {
    LinkCreateAttr attr;
    char bytes[160];
  } u = {};
  u.attr.prog_fd = static_cast<uint32_t>(prog_fd);
  u.attr.attach_type = attach_type;
  u.attr.path = reinterpret_cast<uint64_t>(path);
  u.attr.offsets = reinterpret_cast<uint64_t>(offsets);
  u.attr.cookies = reinterpret_cast<uint64_t>(cookies);
  u.attr.cnt = static_cast<uint32_t>(count);
  u.attr.pid = static_cast<uint32_t>(pid);
  const long fd = syscall(SYS_bpf, kBpfLinkCreate, &u, sizeof(u));
  return fd < 0 ? -errno : fd;
}

}  // namespace

absl::StatusOr<UniqueFd> CreateUprobeMultiLink(
    int prog_fd, uint32_t attach_type, const std::string& path,
    const std::vector<uint64_t>& offsets, const std::vector<uint64_t>& cookies,
    pid_t pid) {
  if (offsets.empty() || offsets.size() != cookies.size()) {
    return absl::InvalidArgumentError("uprobe-multi link: offsets and cookies differ");
  }
  const long fd = LinkCreate(prog_fd, attach_type, path.c_str(), offsets.data(), cookies.data(),
                             offsets.size(), pid);
  if (fd < 0) return absl::ErrnoToStatus(static_cast<int>(-fd), "BPF_LINK_CREATE uprobe_multi");
  return UniqueFd(static_cast<int>(fd));
}

bool KernelMakesUprobeMultiLinks(uint32_t attach_type) {
  // r0 = 0; exit
  const bpf_insn program[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  LIBBPF_OPTS(bpf_prog_load_opts, opts);
  opts.expected_attach_type = static_cast<bpf_attach_type>(attach_type);
  const int prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, nullptr, "GPL", program, 2, &opts);
  if (prog < 0) return false;
  UniqueFd prog_fd(prog);
  const uint64_t offset = 0, cookie = 0;
  const long fd = LinkCreate(prog, attach_type, "/", &offset, &cookie, 1, 0);
  if (fd >= 0) {
    close(static_cast<int>(fd));
    return true;
  }
  return fd == -EBADF;
}

}  // namespace allocprof
