// Owns allocprof's BPF object for one target: open, configure, load, attach,
// and everything is detached and freed when the owner goes away. Links are
// file descriptors, so the kernel also detaches them if allocprof is killed.
#ifndef ALLOCPROF_USERSPACE_ATTACH_BPF_PROBES_H_
#define ALLOCPROF_USERSPACE_ATTACH_BPF_PROBES_H_

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "bpf/events.h"
#include "userspace/attach/thp_policy.h"
#include "userspace/attach/allocator_discovery.h"
#include "userspace/attach/kernel_features.h"
#include "userspace/attach/probe_costs.h"
#include "userspace/common/unique_fd.h"
#include "userspace/unwind/unwind_maps.h"

struct allocprof_bpf;
struct bpf_link;
struct bpf_program;

namespace allocprof {

struct ProbeConfig {
  pid_t tgid = 0;
  bool floor_mode = false;        // same probes, programs that do nothing
  bool floor_stacks = false;      // ... but take the allocation's stack
  uint32_t ring_buffer_bytes = 4u << 20;
  uint32_t stack_map_entries = 16384;
  // Use uprobe sessions (one link per object, no return trap for calls
  // that need none) where the kernel has them.
  bool sessions = true;
  // --sample-bytes: mean bytes between sampled allocations; 0 traces all.
  uint64_t sample_bytes = 0;
  // The overhead guard may start sampling, or raise the mean, while the
  // programs run (SetSampleMean): the sampling code is loaded even when
  // sample_bytes is 0, and the kernel's run-time statistics are on.
  bool adaptive_sampling = false;
  // --mode pages: when a write fault may fill a transparent huge page of
  // anonymous memory (see TransparentHugePages()).
  ThpPolicy thp;
  // --unwind: AP_UNWIND_* (bpf/events.h).
  uint32_t unwind_mode = AP_UNWIND_FP;
  // Capacity of the unwind row array, with CFI unwinding: 8 bytes a row,
  // preallocated (4 MiB); libc has 28k rows, libstdc++ 34k.
  uint32_t unwind_rows = 1u << 19;
  // --mode pages: the page-fault programs are what must load.
  bool pages_mode = false;
  // The JVM's compiled-method USDT program (java_probes.bpf.h).
  bool java_probe = true;
};

// What the verifier said of one loaded program (log level BPF_LOG_STATS):
// its cost against the kernel's 1M-instruction limit.
struct VerifierStats {
  std::string program;
  uint64_t insns = 0;        // "processed N insns"
  uint64_t total_states = 0;
  uint64_t peak_states = 0;
  uint64_t verify_us = 0;    // "verification time N usec"
};

// Something the kernel refused, and what allocprof did instead.
struct Degradation {
  std::string what;  // "stacks are frame-pointer walks"
  std::string why;   // the kernel's own words, shortened
  std::string cost;  // what the user loses
};

using DropCounters = std::array<uint64_t, AP_CNT_COUNT>;

// The kernel's account of one program's runs; zero unless BPF statistics
// are on (sysctl kernel.bpf_stats_enabled=1), as benchmarks turn them.
struct ProgramRunStats {
  std::string name;
  uint64_t runs = 0;
  uint64_t run_time_ns = 0;
};

class BpfProbes {
 public:
  // Opens and loads the BPF object configured for `config`, with the
  // programs this kernel supports (`features`): where a program is refused
  // all the same, step by step with less (uprobe sessions -> uprobes and
  // uretprobes, CFI walks -> frame pointers, no JIT-code probe), each step
  // recorded in degradations(). Fails only when nothing can be traced.
  static absl::StatusOr<std::unique_ptr<BpfProbes>> Load(
      const ProbeConfig& config, const KernelFeatures& features);
  static absl::StatusOr<std::unique_ptr<BpfProbes>> Load(const ProbeConfig& config) {
    return Load(config, KernelFeatures::Probe());
  }
  ~BpfProbes();

  // The configuration loaded, after any step down.
  const ProbeConfig& config() const { return config_; }
  const std::vector<Degradation>& degradations() const { return degradations_; }
  // The verifier's figures for every loaded program.
  const std::vector<VerifierStats>& verifier_stats() const { return verifier_stats_; }

  // mmap, munmap, mremap, mprotect and brk tracepoints (filtered in BPF to
  // the target).
  absl::Status AttachSyscalls();
  // --mode pages: the user page fault and madvise tracepoints.
  absl::Status AttachPageFaults();
  // HotSpot's hotspot:compiled__method__load USDT probe in the target's
  // libjvm.so at `libjvm` (a path under the target's root), for the JIT's
  // new code (AP_EV_JIT_CODE).
  absl::Status AttachJavaCodeLoads(const std::string& libjvm);
  // The JVM's code cache, for walks through JIT code no row describes yet
  // (bpf/jvm_code.bpf.h); takes effect at once.
  void SetJvmCodeCache(const ap_jvm_code_cache& cache);
  // A CPython interpreter whose frames walks record
  // (bpf/python_frames.bpf.h), or none (runtime.ready 0); takes effect at
  // once.
  void SetPythonRuntime(const ap_python_runtime& runtime);

  // A uprobe (and a return probe for a function that hands out blocks) on
  // `f`, for the target process only: no other process that maps the same
  // file ever hits it. Its cookie tells the BPF program what `f` is.
  absl::Status AttachFunction(const ProbedFunction& f);
  // All of `functions`, which lie in one object: with uprobe sessions one
  // link per program, else AttachFunction on each.
  absl::Status AttachFunctions(const std::vector<ProbedFunction>& functions);
  // Whether the heap programs run as uprobe sessions.
  bool sessions() const { return sessions_; }

  int ring_buffer_fd() const;
  int stack_map_fd() const;
  // Stacks walked in BPF (--unwind auto|dwarf), by id.
  int unwound_stack_map_fd() const;
  UnwindMaps unwind_maps() const;
  // Sums of the per-CPU drop counters.
  DropCounters ReadDropCounters() const;
  // Every loaded program's runs so far.
  std::vector<ProgramRunStats> ReadRunStats() const;
  // The allocator probes' hits so far, and their programs' run time.
  ProbeActivity ReadActivity() const;

  // With adaptive_sampling, while the programs run:
  // Every block recorded from now on also enters the live-block map, so
  // that its free is still seen once only sampled blocks' frees are.
  void TrackLiveBlocks();
  // Enters blocks recorded earlier into the live-block map; returns how
  // many did not fit (their frees will not be seen).
  uint64_t EnterLiveBlocks(absl::Span<const uint64_t> addresses);
  // Samples from now on with mean gap `mean` bytes (0 < mean <=
  // AP_MAX_SAMPLE_MEAN); records carry the mean they were drawn with.
  absl::Status SetSampleMean(uint64_t mean);
  size_t link_count() const { return links_.size() + multi_links_.size(); }
  // Takes every probe out of the target (the maps stay readable): the
  // session is over, and the target need not pay for probes while the
  // report is written.
  void Detach();

 private:
  struct SkeletonDeleter {
    void operator()(allocprof_bpf* skel) const;
  };
  struct LinkDeleter {
    void operator()(bpf_link* link) const;
  };

  explicit BpfProbes(const ProbeConfig& config) : config_(config) {}
  // One attempt with config_; on failure, failed_program_ and the kernel's
  // words in the returned Status.
  absl::Status LoadObject();
  absl::Status SeedSampling();
  // Maps the counters in front of the live-block map (bpf/sampled_live.bpf.h),
  // which blocks entered from here must raise.
  absl::Status MapLiveFilter();
  void AddToLiveFilter(uint64_t block, int32_t n);
  absl::Status SeedBudgets(uint64_t mean);
  absl::Status AttachUprobe(const ProbedFunction& f, bpf_program* prog,
                            bool retprobe);
  absl::Status AttachTracepoints(absl::Span<bpf_program* const> programs);

  ProbeConfig config_;
  std::unique_ptr<allocprof_bpf, SkeletonDeleter> skel_;
  // Declared after skel_ so that links are destroyed before the object.
  std::vector<std::unique_ptr<bpf_link, LinkDeleter>> links_;
  std::vector<UniqueFd> multi_links_;  // uprobe sessions
  bool sessions_ = false;
  std::string failed_program_;
  std::vector<Degradation> degradations_;
  std::vector<VerifierStats> verifier_stats_;
  // Holds the kernel's BPF run-time statistics on (BPF_ENABLE_STATS).
  UniqueFd stats_fd_;
  // The live-block filter's counters, mapped when sampling is compiled in.
  static constexpr size_t kLiveFilterBytes = AP_LIVE_FILTER_SLOTS * sizeof(uint64_t);
  uint64_t* live_filter_ = nullptr;
};

// The next step down after the kernel refused `failed_program` (a program
// name, or "" when unknown) with `why`: changes `config` and says what it
// costs, or nullopt when nothing is left to leave out.
std::optional<Degradation> StepDown(const std::string& failed_program, const std::string& why,
                                    ProbeConfig* config);

// The verifier's figures from a BPF_LOG_STATS log ("processed N insns ...
// peak_states N ...", "verification time N usec"); zeros where absent.
VerifierStats ParseVerifierStats(const std::string& program, const std::string& log);
// The first line of a verifier log that says what went wrong, shortened.
std::string VerifierComplaint(const std::string& log);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_BPF_PROBES_H_
