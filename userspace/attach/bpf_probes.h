// Owns allocprof's BPF object for one target: open, configure, load, attach,
// and everything is detached and freed when the owner goes away. Links are
// file descriptors, so the kernel also detaches them if allocprof is killed.
#ifndef ALLOCPROF_USERSPACE_ATTACH_BPF_PROBES_H_
#define ALLOCPROF_USERSPACE_ATTACH_BPF_PROBES_H_

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf/events.h"
#include "userspace/attach/probe_site.h"

struct allocprof_bpf;
struct bpf_link;
struct bpf_program;

namespace allocprof {

struct ProbeConfig {
  pid_t tgid = 0;
  bool floor_mode = false;        // same probes, programs that do nothing
  uint32_t ring_buffer_bytes = 16u << 20;
  uint32_t stack_map_entries = 16384;
};

// One probed function.
struct ProbedFunction {
  std::string symbol;
  uint64_t offset = 0;  // file offset of its first instruction
  uint32_t fn = 0;      // AP_FN_*
  bool with_return = false;
  ProbeSite site;       // where its probes sit, from `offset`
};

using DropCounters = std::array<uint64_t, AP_CNT_COUNT>;

class BpfProbes {
 public:
  // Opens and loads the BPF object configured for `config`.
  static absl::StatusOr<std::unique_ptr<BpfProbes>> Load(const ProbeConfig& config);
  ~BpfProbes();

  // mmap, munmap, mremap, mprotect and brk tracepoints (filtered in BPF to
  // the target).
  absl::Status AttachSyscalls();

  // Uprobes (and return probes) on the malloc family in the ELF object at
  // `host_path`, for the target process only: no other process that maps
  // the same file ever hits them. Fails if malloc or free is missing.
  absl::StatusOr<std::vector<ProbedFunction>> AttachAllocator(
      const std::string& host_path);

  int ring_buffer_fd() const;
  int stack_map_fd() const;
  // Sums of the per-CPU drop counters.
  DropCounters ReadDropCounters() const;
  size_t link_count() const { return links_.size(); }

 private:
  struct SkeletonDeleter {
    void operator()(allocprof_bpf* skel) const;
  };
  struct LinkDeleter {
    void operator()(bpf_link* link) const;
  };

  explicit BpfProbes(const ProbeConfig& config) : config_(config) {}
  absl::Status AttachUprobe(const char* symbol, bpf_program* prog,
                            const std::string& host_path, uint64_t offset,
                            bool retprobe);

  ProbeConfig config_;
  std::unique_ptr<allocprof_bpf, SkeletonDeleter> skel_;
  // Declared after skel_ so that links are destroyed before the object.
  std::vector<std::unique_ptr<bpf_link, LinkDeleter>> links_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_BPF_PROBES_H_
