#include "userspace/attach/bpf_probes.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "allocprof.skel.h"
#include "userspace/attach/probe_cookie.h"
#include "userspace/attach/uprobe_multi.h"

namespace allocprof {
namespace {

// libbpf returns -errno (and sets errno); make a Status that names the step.
absl::Status LibbpfError(int err, absl::string_view what) {
  if (err < 0) err = -err;
  return absl::ErrnoToStatus(err, what);
}

}  // namespace

void BpfProbes::SkeletonDeleter::operator()(allocprof_bpf* skel) const {
  allocprof_bpf::destroy(skel);
}

void BpfProbes::LinkDeleter::operator()(bpf_link* link) const {
  bpf_link__destroy(link);
}

// Detaching a uprobe waits for an RCU grace period (~0.1 s here); one link
// after another, 27 links made allocprof take seconds to exit. Detached
// from threads of their own the waits overlap.
BpfProbes::~BpfProbes() {
  Detach();
  if (live_filter_ != nullptr) munmap(live_filter_, kLiveFilterBytes);
}

void BpfProbes::Detach() {
  // Each link's removal waits for the kernel (uprobes are unregistered one
  // by one): in parallel.
  std::vector<std::thread> detachers;
  detachers.reserve(links_.size() + multi_links_.size());
  for (auto& link : links_) {
    detachers.emplace_back([l = std::move(link)]() mutable { l.reset(); });
  }
  for (UniqueFd& link : multi_links_) {
    detachers.emplace_back([l = std::move(link)]() mutable { l = UniqueFd(); });
  }
  for (std::thread& t : detachers) t.join();
  links_.clear();
  multi_links_.clear();
}

namespace {

// Enough for a BPF_LOG_STATS log and an error message (the full log of
// level 1 is megabytes, and is not asked for).
constexpr size_t kVerifierLogBytes = 64 * 1024;

// The first number after `key` in `log`, or 0.
uint64_t NumberAfter(absl::string_view log, absl::string_view key) {
  const size_t at = log.find(key);
  if (at == std::string::npos) return 0;
  uint64_t value = 0;
  for (size_t i = at + key.size(); i < log.size() && log[i] >= '0' && log[i] <= '9'; ++i) {
    value = value * 10 + static_cast<uint64_t>(log[i] - '0');
  }
  return value;
}

Degradation FramePointerStacks(const std::string& why) {
  return {"stacks are frame-pointer walks", why,
          "frames of code without frame pointers are missing"};
}

bool IsStatsLine(absl::string_view line) {
  return absl::StartsWith(line, "processed ") ||
         absl::StartsWith(line, "verification time") ||
         absl::StartsWith(line, "stack depth") || line.empty();
}

}  // namespace

VerifierStats ParseVerifierStats(const std::string& program, const std::string& log) {
  VerifierStats stats;
  stats.program = program;
  stats.insns = NumberAfter(log, "processed ");
  stats.total_states = NumberAfter(log, "total_states ");
  stats.peak_states = NumberAfter(log, "peak_states ");
  stats.verify_us = NumberAfter(log, "verification time ");
  return stats;
}

std::string VerifierComplaint(const std::string& log) {
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (IsStatsLine(line)) continue;
    return std::string(line.substr(0, 160));
  }
  return "";
}

absl::StatusOr<std::unique_ptr<BpfProbes>> BpfProbes::Load(
    const ProbeConfig& requested, const KernelFeatures& features) {
  absl::Status traceable = features.CheckTraceable(requested.pages_mode);
  if (!traceable.ok()) return traceable;
  ProbeConfig config = requested;
  std::vector<Degradation> degradations;
  // What the kernel lacks is known before any load.
  if (config.sessions && !features.uprobe_session) {
    // Not a loss the report mentions: the same records, one more trap per call.
    config.sessions = false;
  }
  if (config.unwind_mode != AP_UNWIND_FP && !features.bpf_loop) {
    config.unwind_mode = AP_UNWIND_FP;
    degradations.push_back(FramePointerStacks("this kernel has no bpf_loop (Linux 5.17+)"));
  }
  // Then whatever the verifier refuses, one step at a time.
  for (;;) {  // ends: every step down leaves something out
    std::unique_ptr<BpfProbes> probes(new BpfProbes(config));
    absl::Status loaded = probes->LoadObject();
    if (loaded.ok()) {
      probes->degradations_ = std::move(degradations);
      return probes;
    }
    std::optional<Degradation> step =
        StepDown(probes->failed_program_, std::string(loaded.message()), &config);
    if (!step.has_value()) {
      return absl::Status(loaded.code(),
                          absl::StrCat("cannot load the BPF programs on this kernel (",
                                       features.release, "): ", loaded.message()));
    }
    degradations.push_back(*std::move(step));
  }
}

std::optional<Degradation> StepDown(const std::string& failed_program, const std::string& why,
                                    ProbeConfig* config) {
  const Degradation no_java{"no probe on the JVM's compiled-method loads", why,
                            "JIT code compiled during the session is named and unwound "
                            "from the JVM's code cache only"};
  // The program that was refused says what to leave out first; else the
  // most costly features go first, the stack walk before the JVM's probe.
  if (failed_program == "ap_java_method_load" && config->java_probe) {
    config->java_probe = false;
    return no_java;
  }
  if (config->sessions) {
    config->sessions = false;
    return Degradation{"heap probes are uprobes and uretprobes, not uprobe sessions", why,
                       "a return trap on every allocator call"};
  }
  if (config->unwind_mode != AP_UNWIND_FP) {
    config->unwind_mode = AP_UNWIND_FP;
    return FramePointerStacks(why);
  }
  if (config->java_probe) {
    config->java_probe = false;
    return no_java;
  }
  return std::nullopt;
}

absl::Status BpfProbes::LoadObject() {
  const ProbeConfig& config = config_;
  const bool sessions = config.sessions;
  sessions_ = sessions;
  allocprof_bpf* skel = allocprof_bpf::open();
  if (skel == nullptr) return LibbpfError(errno, "cannot open the BPF object");
  skel_.reset(skel);

  // One set of heap programs: uprobe sessions where the kernel has them
  // (the load fails without: their kfunc and attach type are unknown), or
  // plain uprobes and uretprobes.
  for (bpf_program* prog : {skel->progs.ap_alloc_session, skel->progs.ap_free_session}) {
    bpf_program__set_autoload(prog, sessions);
    if (sessions) {
      bpf_program__set_expected_attach_type(
          prog, static_cast<bpf_attach_type>(kAttachUprobeSession));
    }
  }
  for (bpf_program* prog : {skel->progs.ap_alloc_entry, skel->progs.ap_alloc_ret,
                            skel->progs.ap_free_entry}) {
    bpf_program__set_autoload(prog, !sessions);
  }
  bpf_program__set_autoload(skel->progs.ap_java_method_load, config.java_probe);
  // Only pages mode attaches these: verifying them is attach time lost.
  for (bpf_program* prog : {skel->progs.ap_page_fault, skel->progs.ap_madvise_enter,
                            skel->progs.ap_madvise_exit}) {
    bpf_program__set_autoload(prog, config.pages_mode);
  }

  skel->rodata->target_tgid = static_cast<uint32_t>(config.tgid);
  skel->rodata->floor_mode = config.floor_mode;
  skel->rodata->floor_stacks = config.floor_stacks;
  skel->rodata->wakeup_bytes = config.ring_buffer_bytes / 8;
  skel->rodata->sampling = config.sample_bytes != 0 || config.adaptive_sampling;
  skel->bss->sample_mean = config.sample_bytes;
  skel->rodata->thp_policy = static_cast<uint32_t>(config.thp.mode);
  skel->rodata->thp_size = config.thp.size;
  skel->rodata->unwind_mode = config.unwind_mode;
  // Frame-pointer stacks need none of the unwinder's maps, and walks with
  // CFI none of the kernel's stack map (16 MiB, allocated and zeroed at
  // its creation: 8 ms of attach): one entry each.
  const bool unwinds = config.unwind_mode != AP_UNWIND_FP;
  int err = bpf_map__set_max_entries(skel->maps.events, config.ring_buffer_bytes);
  if (!err) {
    err = bpf_map__set_max_entries(skel->maps.stacks, unwinds ? 1 : config.stack_map_entries);
  }
  if (!err) err = bpf_map__set_max_entries(skel->maps.unwind_rows, unwinds ? config.unwind_rows : 1);
  if (!err) {
    err = bpf_map__set_max_entries(skel->maps.unwound_stacks,
                                   unwinds ? config.stack_map_entries : 1);
  }
  if (err) return LibbpfError(err, "cannot size the BPF maps");

  // The verifier's statistics for every program: its cost is a figure the
  // tests keep far below the kernel's limit. Programs load in order and the
  // load stops at the first refusal, so the last log written is its.
  struct ProgramLog {
    bpf_program* prog;
    std::string buffer;
  };
  std::vector<ProgramLog> logs;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel->obj) {
    if (!bpf_program__autoload(prog)) continue;
    logs.push_back({prog, std::string(kVerifierLogBytes, '\0')});
  }
  for (ProgramLog& log : logs) {
    bpf_program__set_log_buf(log.prog, log.buffer.data(), log.buffer.size());
    bpf_program__set_log_level(log.prog, 4);  // BPF_LOG_STATS
  }
  err = allocprof_bpf::load(skel);
  for (ProgramLog& log : logs) log.buffer.resize(strnlen(log.buffer.data(), log.buffer.size()));
  if (err) {
    std::string complaint;
    for (const ProgramLog& log : logs) {
      if (log.buffer.empty()) continue;
      failed_program_ = bpf_program__name(log.prog);
      complaint = VerifierComplaint(log.buffer);
    }
    if (complaint.empty()) complaint = strerror(err < 0 ? -err : err);
    return absl::ErrnoToStatus(err < 0 ? -err : err,
                               failed_program_.empty()
                                   ? complaint
                                   : absl::StrCat(failed_program_, ": ", complaint));
  }
  for (const ProgramLog& log : logs) {
    verifier_stats_.push_back(ParseVerifierStats(bpf_program__name(log.prog), log.buffer));
  }
  if (skel->rodata->sampling) {
    absl::Status s = SeedSampling();
    if (!s.ok()) return s;
    s = MapLiveFilter();
    if (!s.ok()) return s;
  }
  if (config.adaptive_sampling) {
    // The guard prices the programs' own time; on until the fd closes.
    // Without it (a kernel that refuses) only the traps are priced.
    stats_fd_ = UniqueFd(bpf_enable_stats(BPF_STATS_RUN_TIME));
  }
  return absl::OkStatus();
}

// The gaps between sample points: exponential, so that sample points form a
// Poisson process over allocated bytes. They are drawn with mean 1 (in
// units of 1/AP_GAP_UNIT) and BPF scales them by the mean in effect.
absl::Status BpfProbes::SeedSampling() {
  std::mt19937_64 rng{std::random_device{}()};
  std::exponential_distribution<double> gap(1.0);
  const int gaps_fd = bpf_map__fd(skel_->maps.sample_gaps);
  for (uint32_t i = 0; i < AP_SAMPLE_GAPS; ++i) {
    uint64_t value = static_cast<uint64_t>(gap(rng) * AP_GAP_UNIT) + 1;
    if (bpf_map_update_elem(gaps_fd, &i, &value, BPF_ANY) != 0) {
      return LibbpfError(errno, "cannot seed the sampling gaps");
    }
  }
  return SeedBudgets(config_.sample_bytes);
}

// Each CPU starts a fresh gap away from its next point, as the process with
// mean `mean` would (a gap drawn for a smaller mean would come too soon).
absl::Status BpfProbes::SeedBudgets(uint64_t mean) {
  std::mt19937_64 rng{std::random_device{}()};
  std::exponential_distribution<double> gap(1.0);
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return LibbpfError(cpus, "cannot count CPUs");
  std::vector<int64_t> budgets(cpus);
  for (int64_t& b : budgets) b = static_cast<int64_t>(gap(rng) * static_cast<double>(mean)) + 1;
  const uint32_t zero = 0;
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.sample_budget), &zero,
                          budgets.data(), BPF_ANY) != 0) {
    return LibbpfError(errno, "cannot seed the sampling budget");
  }
  return absl::OkStatus();
}

absl::Status BpfProbes::MapLiveFilter() {
  void* counts = mmap(nullptr, kLiveFilterBytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                      bpf_map__fd(skel_->maps.live_filter), 0);
  if (counts == MAP_FAILED) return LibbpfError(errno, "cannot map the live-block filter");
  live_filter_ = static_cast<uint64_t*>(counts);
  return absl::OkStatus();
}

void BpfProbes::AddToLiveFilter(uint64_t block, int32_t n) {
  if (live_filter_ == nullptr) return;
  __atomic_fetch_add(&live_filter_[AP_LIVE_FILTER_SLOT(block)], static_cast<uint64_t>(n),
                     __ATOMIC_SEQ_CST);
}

void BpfProbes::TrackLiveBlocks() { skel_->bss->track_live = 1; }

uint64_t BpfProbes::EnterLiveBlocks(absl::Span<const uint64_t> addresses) {
  const int fd = bpf_map__fd(skel_->maps.sampled_live);
  // In batches (one system call for thousands of blocks); a batch stops at
  // the first block that does not fit, which is counted and skipped.
  constexpr size_t kBatch = 8192;
  const std::vector<uint8_t> ones(kBatch, 1);
  // A block's filter slot is raised before the block enters the map, and
  // lowered again if it did not: the filter never undercounts
  // (bpf/sampled_live.bpf.h).
  for (uint64_t block : addresses) AddToLiveFilter(block, 1);
  uint64_t failed = 0;
  size_t done = 0;
  while (done < addresses.size()) {
    uint32_t count = static_cast<uint32_t>(std::min(kBatch, addresses.size() - done));
    if (bpf_map_update_batch(fd, addresses.data() + done, ones.data(), &count, nullptr) == 0) {
      done += count;
      continue;
    }
    done += count;
    if (done < addresses.size()) {
      AddToLiveFilter(addresses[done], -1);
      ++failed;
      ++done;
    }
  }
  return failed;
}

absl::Status BpfProbes::SetSampleMean(uint64_t mean) {
  if (mean == 0 || mean > AP_MAX_SAMPLE_MEAN) {
    return absl::InvalidArgumentError(absl::StrCat("sampling mean ", mean, " out of range"));
  }
  absl::Status s = SeedBudgets(mean);
  if (!s.ok()) return s;
  // One aligned 8-byte store: BPF reads the old mean or the new.
  *reinterpret_cast<volatile uint64_t*>(&skel_->bss->sample_mean) = mean;
  return absl::OkStatus();
}

ProbeActivity BpfProbes::ReadActivity() const {
  ProbeActivity activity;
  const int cpus = libbpf_num_possible_cpus();
  if (cpus > 0) {
    std::vector<uint64_t> per_cpu(cpus);
    const int fd = bpf_map__fd(skel_->maps.activity);
    uint64_t* sums[AP_ACT_COUNT] = {&activity.emulated_entries, &activity.stepped_entries,
                                    &activity.returns, &activity.walks,
                                    &activity.walks_remembered};
    for (uint32_t i = 0; i < AP_ACT_COUNT; ++i) {
      if (bpf_map_lookup_elem(fd, &i, per_cpu.data()) != 0) continue;
      for (uint64_t v : per_cpu) *sums[i] += v;
    }
  }
  for (const ProgramRunStats& p : ReadRunStats()) {
    if (absl::StartsWith(p.name, "ap_alloc_") || absl::StartsWith(p.name, "ap_free_")) {
      activity.bpf_run_ns += p.run_time_ns;
    }
  }
  return activity;
}

absl::Status BpfProbes::AttachSyscalls() {
  bpf_program* programs[] = {
      skel_->progs.ap_mmap_enter,   skel_->progs.ap_munmap_enter,
      skel_->progs.ap_munmap_exit,  skel_->progs.ap_mremap_enter,
      skel_->progs.ap_mprotect_enter, skel_->progs.ap_brk_enter,
      skel_->progs.ap_execve_exit,  skel_->progs.ap_execveat_exit,
  };
  if (absl::Status s = AttachTracepoints(programs); !s.ok()) return s;
  // One program records the four exits that take a stack (verified once).
  for (const char* exit : {"sys_exit_mmap", "sys_exit_mremap", "sys_exit_mprotect",
                           "sys_exit_brk"}) {
    bpf_link* link =
        bpf_program__attach_tracepoint(skel_->progs.ap_addr_space_exit, "syscalls", exit);
    if (link == nullptr) {
      return LibbpfError(errno, absl::StrCat("cannot attach tracepoint syscalls/", exit));
    }
    links_.emplace_back(link);
  }
  return absl::OkStatus();
}

absl::Status BpfProbes::AttachPageFaults() {
  bpf_program* programs[] = {
      skel_->progs.ap_page_fault,
      skel_->progs.ap_madvise_enter,
      skel_->progs.ap_madvise_exit,
  };
  return AttachTracepoints(programs);
}

absl::Status BpfProbes::AttachJavaCodeLoads(const std::string& libjvm) {
  if (!config_.java_probe) {
    return absl::FailedPreconditionError(
        "the compiled-method probe was not loaded (the kernel refused it)");
  }
  bpf_link* link = bpf_program__attach_usdt(skel_->progs.ap_java_method_load, config_.tgid,
                                            libjvm.c_str(), "hotspot",
                                            "compiled__method__load", nullptr);
  if (link == nullptr) {
    return LibbpfError(errno, absl::StrCat("cannot attach to the USDT probe "
                                           "hotspot:compiled__method__load in ", libjvm));
  }
  links_.emplace_back(link);
  return absl::OkStatus();
}

void BpfProbes::SetJvmCodeCache(const ap_jvm_code_cache& cache) {
  ap_jvm_code_cache& live = skel_->bss->jvm_code_cache;
  // Walks read heap_count first: it is written last, once the rest is.
  __atomic_store_n(&live.heap_count, 0, __ATOMIC_RELEASE);
  ap_jvm_code_cache copy = cache;
  const uint32_t heaps = copy.heap_count;
  copy.heap_count = 0;
  live = copy;
  __atomic_store_n(&live.heap_count, heaps, __ATOMIC_RELEASE);
}

void BpfProbes::SetPythonRuntime(const ap_python_runtime& runtime) {
  ap_python_runtime& live = skel_->bss->python_runtime;
  // Walks read `ready` first: it is written last, once the rest is.
  __atomic_store_n(&live.ready, 0, __ATOMIC_RELEASE);
  ap_python_runtime copy = runtime;
  copy.ready = 0;
  live = copy;
  if (runtime.ready) __atomic_store_n(&live.ready, 1, __ATOMIC_RELEASE);
}

absl::Status BpfProbes::AttachTracepoints(absl::Span<bpf_program* const> programs) {
  for (bpf_program* prog : programs) {
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) {
      return LibbpfError(errno, absl::StrCat("cannot attach tracepoint ",
                                             bpf_program__section_name(prog)));
    }
    links_.emplace_back(link);
  }
  return absl::OkStatus();
}

absl::Status BpfProbes::AttachUprobe(const ProbedFunction& f, bpf_program* prog,
                                     bool retprobe) {
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = ProbeCookie(f),
              .retprobe = retprobe);
  bpf_link* link = bpf_program__attach_uprobe_opts(
      prog, config_.tgid, f.host_path.c_str(), f.offset + f.site.offset, &opts);
  if (link == nullptr) {
    return LibbpfError(errno, absl::StrCat("cannot attach ",
                                           retprobe ? "uretprobe" : "uprobe",
                                           " to ", f.symbol, " in ", f.object));
  }
  links_.emplace_back(link);
  return absl::OkStatus();
}

absl::Status BpfProbes::AttachFunctions(const std::vector<ProbedFunction>& functions) {
  if (!sessions_) {
    for (const ProbedFunction& f : functions) {
      absl::Status s = AttachFunction(f);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
  // One link per program and object.
  for (bool returns : {true, false}) {
    std::vector<uint64_t> offsets;
    std::vector<uint64_t> cookies;
    const ProbedFunction* first = nullptr;
    for (const ProbedFunction& f : functions) {
      if (f.returns() != returns) continue;
      if (first == nullptr) first = &f;
      offsets.push_back(f.offset + f.site.offset);
      cookies.push_back(ProbeCookie(f));
    }
    if (first == nullptr) continue;
    bpf_program* prog = returns ? skel_->progs.ap_alloc_session
                                : skel_->progs.ap_free_session;
    auto link = CreateUprobeMultiLink(bpf_program__fd(prog), kAttachUprobeSession,
                                      first->host_path, offsets, cookies,
                                      config_.tgid);
    if (!link.ok()) {
      return absl::Status(link.status().code(),
                          absl::StrCat("cannot attach uprobe session to ",
                                       offsets.size(), " functions in ",
                                       first->object, ": ", link.status().message()));
    }
    multi_links_.push_back(*std::move(link));
  }
  return absl::OkStatus();
}

absl::Status BpfProbes::AttachFunction(const ProbedFunction& f) {
  if (!f.returns()) return AttachUprobe(f, skel_->progs.ap_free_entry, false);
  // The return probe first: a call that enters between the two attachments
  // then shows up as a return without its entry (counted), never as an entry
  // whose return never comes (which would hold the thread's call state).
  absl::Status s = AttachUprobe(f, skel_->progs.ap_alloc_ret, true);
  if (s.ok()) s = AttachUprobe(f, skel_->progs.ap_alloc_entry, false);
  return s;
}

int BpfProbes::ring_buffer_fd() const { return bpf_map__fd(skel_->maps.events); }

int BpfProbes::stack_map_fd() const { return bpf_map__fd(skel_->maps.stacks); }

int BpfProbes::unwound_stack_map_fd() const {
  return bpf_map__fd(skel_->maps.unwound_stacks);
}

UnwindMaps BpfProbes::unwind_maps() const {
  UnwindMaps maps;
  maps.rows_fd = bpf_map__fd(skel_->maps.unwind_rows);
  maps.row_capacity = bpf_map__max_entries(skel_->maps.unwind_rows);
  maps.mappings_fd = bpf_map__fd(skel_->maps.unwind_mappings);
  // __u64 is unsigned long long; the same 8 bytes.
  maps.index = reinterpret_cast<volatile uint64_t*>(&skel_->bss->unwind_index);
  return maps;
}

std::vector<ProgramRunStats> BpfProbes::ReadRunStats() const {
  std::vector<ProgramRunStats> stats;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel_->obj) {
    const int fd = bpf_program__fd(prog);
    if (fd < 0) continue;  // not loaded
    bpf_prog_info info = {};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) continue;
    stats.push_back({bpf_program__name(prog), info.run_cnt, info.run_time_ns});
  }
  return stats;
}

DropCounters BpfProbes::ReadDropCounters() const {
  DropCounters sums = {};
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return sums;
  std::vector<uint64_t> per_cpu(cpus);
  int fd = bpf_map__fd(skel_->maps.counters);
  for (uint32_t i = 0; i < AP_CNT_COUNT; ++i) {
    if (bpf_map_lookup_elem(fd, &i, per_cpu.data()) != 0) continue;
    for (uint64_t v : per_cpu) sums[i] += v;
  }
  return sums;
}

}  // namespace allocprof
