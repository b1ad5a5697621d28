#include "userspace/attach/bpf_probes.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "allocprof.skel.h"
#include "userspace/attach/allocator_functions.h"
#include "userspace/attach/elf_functions.h"

namespace allocprof {
namespace {

// libbpf returns -errno (and sets errno); make a Status that names the step.
absl::Status LibbpfError(int err, absl::string_view what) {
  if (err < 0) err = -err;
  return absl::ErrnoToStatus(err, what);
}

bpf_program* EntryProgram(allocprof_bpf* skel, uint32_t fn) {
  switch (fn) {
    case AP_FN_MALLOC: return skel->progs.ap_malloc;
    case AP_FN_CALLOC: return skel->progs.ap_calloc;
    case AP_FN_REALLOC: return skel->progs.ap_realloc;
    case AP_FN_REALLOCARRAY: return skel->progs.ap_reallocarray;
    case AP_FN_FREE: return skel->progs.ap_free;
    case AP_FN_POSIX_MEMALIGN: return skel->progs.ap_posix_memalign;
    case AP_FN_ALIGNED_ALLOC:
    case AP_FN_MEMALIGN: return skel->progs.ap_memalign;
    case AP_FN_VALLOC:
    case AP_FN_PVALLOC: return skel->progs.ap_valloc;
  }
  return nullptr;
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
  detachers.reserve(links_.size());
  for (auto& link : links_) {
    detachers.emplace_back([l = std::move(link)]() mutable { l.reset(); });
  }
  for (std::thread& t : detachers) t.join();
}

absl::StatusOr<std::unique_ptr<BpfProbes>> BpfProbes::Load(
    const ProbeConfig& config) {
  std::unique_ptr<BpfProbes> probes(new BpfProbes(config));
  allocprof_bpf* skel = allocprof_bpf::open();
  if (skel == nullptr) return LibbpfError(errno, "cannot open the BPF object");
  probes->skel_.reset(skel);

  skel->rodata->target_tgid = static_cast<uint32_t>(config.tgid);
  skel->rodata->floor_mode = config.floor_mode;
  skel->rodata->wakeup_bytes = config.ring_buffer_bytes / 8;
  int err = bpf_map__set_max_entries(skel->maps.events, config.ring_buffer_bytes);
  if (!err) err = bpf_map__set_max_entries(skel->maps.stacks, config.stack_map_entries);
  if (err) return LibbpfError(err, "cannot size the BPF maps");

  err = allocprof_bpf::load(skel);
  if (err) return LibbpfError(err, "cannot load the BPF programs (run with -v for the verifier log)");
  return probes;
}

absl::Status BpfProbes::AttachSyscalls() {
  bpf_program* programs[] = {
      skel_->progs.ap_mmap_enter,     skel_->progs.ap_mmap_exit,
      skel_->progs.ap_munmap_enter,   skel_->progs.ap_munmap_exit,
      skel_->progs.ap_mremap_enter,   skel_->progs.ap_mremap_exit,
      skel_->progs.ap_mprotect_enter, skel_->progs.ap_mprotect_exit,
      skel_->progs.ap_brk_enter,      skel_->progs.ap_brk_exit,
  };
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

absl::Status BpfProbes::AttachUprobe(const char* symbol, bpf_program* prog,
                                     const std::string& host_path,
                                     uint64_t offset, bool retprobe) {
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);
  bpf_link* link = bpf_program__attach_uprobe_opts(
      prog, config_.tgid, host_path.c_str(), offset, &opts);
  if (link == nullptr) {
    return LibbpfError(errno, absl::StrCat("cannot attach ",
                                           retprobe ? "uretprobe" : "uprobe",
                                           " to ", symbol, " in ", host_path));
  }
  links_.emplace_back(link);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ProbedFunction>> BpfProbes::AttachAllocator(
    const std::string& host_path) {
  absl::flat_hash_set<std::string> names;
  for (const AllocatorFunction& f : CLibraryAllocator()) names.insert(f.symbol);
  auto functions = FindFunctions(host_path, names);
  if (!functions.ok()) return functions.status();
  if (!functions->contains("malloc") || !functions->contains("free")) {
    return absl::NotFoundError(
        absl::StrCat(host_path, " does not define malloc and free"));
  }

  std::vector<ProbedFunction> probed;
  absl::flat_hash_set<uint64_t> seen_offsets;
  for (const AllocatorFunction& f : CLibraryAllocator()) {
    auto it = functions->find(f.symbol);
    if (it == functions->end() || !seen_offsets.insert(it->second.file_offset).second) {
      continue;
    }
    ProbedFunction p{f.symbol, it->second.file_offset, f.fn, f.returns, {}};
    // The whole function, so that branches back into its prologue are seen.
    auto code = ReadFunctionCode(host_path, it->second, 64 * 1024);
    if (code.ok()) p.site = ChooseProbeSite(*code, it->second.vaddr);
    probed.push_back(std::move(p));
  }
  // Return probes first: a call that enters between the two attachments then
  // shows up as a return without its entry (counted), never as an entry
  // whose return never comes (which would hold the thread's call state).
  for (const ProbedFunction& p : probed) {
    if (!p.with_return) continue;
    absl::Status s = AttachUprobe(p.symbol.c_str(), skel_->progs.ap_alloc_ret,
                                  host_path, p.offset + p.site.offset,
                                  /*retprobe=*/true);
    if (!s.ok()) return s;
  }
  for (const ProbedFunction& p : probed) {
    absl::Status s = AttachUprobe(p.symbol.c_str(), EntryProgram(skel_.get(), p.fn),
                                  host_path, p.offset + p.site.offset,
                                  /*retprobe=*/false);
    if (!s.ok()) return s;
  }
  return probed;
}

int BpfProbes::ring_buffer_fd() const { return bpf_map__fd(skel_->maps.events); }

int BpfProbes::stack_map_fd() const { return bpf_map__fd(skel_->maps.stacks); }

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
