#include "userspace/attach/bpf_probes.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "allocprof.skel.h"
#include "userspace/attach/uprobe_multi.h"

namespace allocprof {
namespace {

// libbpf returns -errno (and sets errno); make a Status that names the step.
absl::Status LibbpfError(int err, absl::string_view what) {
  if (err < 0) err = -err;
  return absl::ErrnoToStatus(err, what);
}

// What the BPF programs need to know of `f` (see bpf/events.h).
uint64_t Cookie(const ProbedFunction& f) {
  const CallShape& shape = f.shape;
  return uint64_t{f.id & 0xffff} | uint64_t{f.family} << 16 |
         uint64_t{shape.size_arg} << 32 | uint64_t{shape.count_arg} << 36 |
         uint64_t{shape.ptr_arg} << 40 | uint64_t{shape.out_arg} << 44 |
         uint64_t{shape.kind} << 48;
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
  std::vector<std::thread> detachers;
  detachers.reserve(links_.size() + multi_links_.size());
  for (auto& link : links_) {
    detachers.emplace_back([l = std::move(link)]() mutable { l.reset(); });
  }
  for (UniqueFd& link : multi_links_) {
    detachers.emplace_back([l = std::move(link)]() mutable { l = UniqueFd(); });
  }
  for (std::thread& t : detachers) t.join();
}

absl::StatusOr<std::unique_ptr<BpfProbes>> BpfProbes::Load(
    const ProbeConfig& config) {
  if (config.sessions) {
    auto with_sessions = LoadWith(config, true);
    if (with_sessions.ok()) return with_sessions;
  }
  return LoadWith(config, false);
}

absl::StatusOr<std::unique_ptr<BpfProbes>> BpfProbes::LoadWith(
    const ProbeConfig& config, bool sessions) {
  std::unique_ptr<BpfProbes> probes(new BpfProbes(config));
  probes->sessions_ = sessions;
  allocprof_bpf* skel = allocprof_bpf::open();
  if (skel == nullptr) return LibbpfError(errno, "cannot open the BPF object");
  probes->skel_.reset(skel);

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

  skel->rodata->target_tgid = static_cast<uint32_t>(config.tgid);
  skel->rodata->floor_mode = config.floor_mode;
  skel->rodata->floor_stacks = config.floor_stacks;
  skel->rodata->wakeup_bytes = config.ring_buffer_bytes / 8;
  skel->rodata->sample_bytes = config.sample_bytes;
  skel->rodata->thp_policy = static_cast<uint32_t>(config.thp.mode);
  skel->rodata->thp_size = config.thp.size;
  skel->rodata->unwind_mode = config.unwind_mode;
  // Frame-pointer stacks need none of the unwinder's maps: one entry each.
  const bool unwinds = config.unwind_mode != AP_UNWIND_FP;
  int err = bpf_map__set_max_entries(skel->maps.events, config.ring_buffer_bytes);
  if (!err) err = bpf_map__set_max_entries(skel->maps.stacks, config.stack_map_entries);
  if (!err) err = bpf_map__set_max_entries(skel->maps.unwind_rows, unwinds ? config.unwind_rows : 1);
  if (!err) {
    err = bpf_map__set_max_entries(skel->maps.unwound_stacks,
                                   unwinds ? config.stack_map_entries : 1);
  }
  if (err) return LibbpfError(err, "cannot size the BPF maps");

  err = allocprof_bpf::load(skel);
  if (err) return LibbpfError(err, "cannot load the BPF programs (run with -v for the verifier log)");
  if (config.sample_bytes != 0) {
    absl::Status s = probes->SeedSampling();
    if (!s.ok()) return s;
  }
  return probes;
}

// The gaps between sample points: exponential with mean sample_bytes, so
// that sample points form a Poisson process over allocated bytes. Each CPU
// starts a gap away from its first point, as the process would.
absl::Status BpfProbes::SeedSampling() {
  std::mt19937_64 rng{std::random_device{}()};
  std::exponential_distribution<double> gap(1.0 / static_cast<double>(config_.sample_bytes));
  auto draw = [&] { return static_cast<uint64_t>(gap(rng)) + 1; };
  const int gaps_fd = bpf_map__fd(skel_->maps.sample_gaps);
  for (uint32_t i = 0; i < AP_SAMPLE_GAPS; ++i) {
    uint64_t value = draw();
    if (bpf_map_update_elem(gaps_fd, &i, &value, BPF_ANY) != 0) {
      return LibbpfError(errno, "cannot seed the sampling gaps");
    }
  }
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return LibbpfError(cpus, "cannot count CPUs");
  std::vector<int64_t> budgets(cpus);
  for (int64_t& b : budgets) b = static_cast<int64_t>(draw());
  const uint32_t zero = 0;
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.sample_budget), &zero,
                          budgets.data(), BPF_ANY) != 0) {
    return LibbpfError(errno, "cannot seed the sampling budget");
  }
  return absl::OkStatus();
}

absl::Status BpfProbes::AttachSyscalls() {
  bpf_program* programs[] = {
      skel_->progs.ap_mmap_enter,     skel_->progs.ap_mmap_exit,
      skel_->progs.ap_munmap_enter,   skel_->progs.ap_munmap_exit,
      skel_->progs.ap_mremap_enter,   skel_->progs.ap_mremap_exit,
      skel_->progs.ap_mprotect_enter, skel_->progs.ap_mprotect_exit,
      skel_->progs.ap_brk_enter,      skel_->progs.ap_brk_exit,
  };
  return AttachTracepoints(programs);
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
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = Cookie(f),
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
      cookies.push_back(Cookie(f));
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
