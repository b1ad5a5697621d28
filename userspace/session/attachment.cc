#include "userspace/session/attachment.h"

#include <ostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "userspace/attach/kernel_features.h"
#include "userspace/attach/thp_policy.h"

namespace allocprof {
namespace {

absl::Status WithContext(const absl::Status& s, absl::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(context, ": ", s.message()));
}

ProbeConfig ConfigFor(const SessionOptions& options, pid_t pid) {
  ProbeConfig config;
  config.tgid = pid;
  config.floor_mode = options.floor_mode;
  config.floor_stacks = options.floor_stacks;
  config.stack_map_entries = options.stack_map_entries;
  config.ring_buffer_bytes = options.ring_buffer_mib << 20;
  config.sample_bytes = options.sample_bytes;
  // Pages mode has no uprobes to price; the floor benchmark none to change.
  config.adaptive_sampling =
      options.max_overhead > 0 && !options.pages_mode && !options.floor_mode;
  config.sessions = options.uprobe_sessions;
  config.pages_mode = options.pages_mode;
  if (options.pages_mode) config.thp = TransparentHugePages();
  config.unwind_mode = options.unwind_mode;
  config.java_probe = options.java;
  return config;
}

// The BPF programs, loaded for what this kernel can do, with their syscall
// (and in pages mode page-fault) tracepoints attached.
absl::StatusOr<std::unique_ptr<BpfProbes>> LoadProbes(const SessionOptions& options,
                                                      pid_t pid, SessionLog& log,
                                                      AttachPhases& phases) {
  const KernelFeatures features = KernelFeatures::Probe();
  phases.Done("kernel features");
  if (std::ostream* verbose = log.verbose()) {
    for (const std::string& line : features.Describe()) *verbose << "allocprof: " << line << "\n";
  }
  auto probes = BpfProbes::Load(ConfigFor(options, pid), features);
  if (!probes.ok()) return probes.status();
  phases.Done("BPF load and verification");
  for (const Degradation& d : (*probes)->degradations()) {
    const std::string note = absl::StrCat(d.what, " (the kernel: ", d.why, "): ", d.cost);
    log.Say(note);
    log.Note(note);
  }
  if (std::ostream* verbose = log.verbose()) {
    for (const VerifierStats& v : (*probes)->verifier_stats()) {
      *verbose << absl::StrFormat("allocprof: verifier: %s: %d insns, %d states (peak %d), %d us\n",
                                  v.program, v.insns, v.total_states, v.peak_states, v.verify_us);
    }
  }
  absl::Status s = (*probes)->AttachSyscalls();
  if (s.ok() && options.pages_mode) s = (*probes)->AttachPageFaults();
  if (!s.ok()) return s;
  phases.Done("syscall tracepoints");
  return probes;
}

void DescribeProbes(const SessionOptions& options, const Attachment& a, pid_t pid,
                    std::ostream& verbose) {
  if (a.unwind_tables) {
    const UnwindTables& t = *a.unwind_tables;
    verbose << "allocprof: stacks walked with CFI (--unwind "
            << (a.probes->config().unwind_mode == AP_UNWIND_DWARF ? "dwarf" : "auto")
            << "): " << t.rows_used() << " rows (" << (t.bytes_used() + 1023) / 1024
            << " KiB) for " << t.mapping_count() << " mappings\n";
  }
  if (options.pages_mode) {
    verbose << "allocprof: raw tracepoint page_fault_user, tracepoints "
               "syscalls:sys_{enter,exit}_{madvise,mmap,munmap,mremap,"
               "mprotect,brk} for PID "
            << pid << "; no uprobes\n";
    return;
  }
  verbose << "allocprof: heap probes are "
          << (a.probes->sessions() ? "uprobe sessions (one link per object)"
                                   : "uprobes and uretprobes")
          << "\n";
  verbose << "allocprof: tracepoints syscalls:sys_{enter,exit}_"
             "{mmap,munmap,mremap,mprotect,brk} for PID "
          << pid << "\n";
}

}  // namespace

absl::StatusOr<std::unique_ptr<Attachment>> Attach(const SessionOptions& options, Target& target,
                                                   SessionLog& log, AttachPhases& phases) {
  auto a = std::make_unique<Attachment>();
  auto probes = LoadProbes(options, target.pid(), log, phases);
  if (!probes.ok()) return probes.status();
  a->probes = *std::move(probes);

  // Its snapshot of the target's objects also says where the allocators are.
  auto handle = target.handle().Duplicate();
  if (!handle.ok()) return WithContext(handle.status(), target.description());
  auto symbolizer = Symbolizer::ForProcess(*std::move(handle));
  if (!symbolizer.ok()) return WithContext(symbolizer.status(), target.description());
  a->symbolizer = *std::move(symbolizer);
  phases.Done("objects and symbol tables");

  a->allocators = std::make_unique<AllocatorProbes>(*a->probes, options.declared_functions);
  absl::Status probed = absl::OkStatus();
  if (!options.pages_mode) probed = a->allocators->ProbeNewObjects(a->symbolizer->modules(), log);
  phases.Done("allocator discovery and uprobes");
  if (target.exited()) {
    return absl::NotFoundError(
        absl::StrCat(target.description(), " exited while allocprof was attaching"));
  }
  if (!probed.ok()) return WithContext(probed, target.description());

  // Unwind tables before the target runs on: its first stacks need them.
  if (a->probes->config().unwind_mode != AP_UNWIND_FP) {
    auto tables = UnwindTables::Create(a->probes->unwind_maps());
    if (!tables.ok()) return tables.status();
    a->unwind_tables = *std::move(tables);
    a->unwind_tables->Update(a->symbolizer->modules(), log);
    phases.Done("unwind tables");
  }
  if (!options.pages_mode && !a->allocators->CoversAllocation()) {
    return absl::NotFoundError(absl::StrCat(
        "no allocator found in ", target.description(),
        ": no mapped object defines malloc and free or another known allocator "
        "(a stripped static executable?); declare one with --alloc-fn/--free-fn"));
  }
  for (const std::string& spec : a->allocators->UnmatchedCustom()) {
    log.Say(absl::StrCat("'", spec, "': no such object mapped yet; probed if it is mapped later"));
  }
  if (std::ostream* verbose = log.verbose()) DescribeProbes(options, *a, target.pid(), *verbose);
  return a;
}

}  // namespace allocprof
