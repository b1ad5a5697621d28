#include "userspace/session/session.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "userspace/aggregate/aggregator.h"
#include "userspace/common/printable.h"
#include "userspace/common/printable_stream.h"
#include "userspace/common/unique_fd.h"
#include "userspace/attach/allocator_probes.h"
#include "userspace/attach/bpf_probes.h"
#include "userspace/attach/host_checks.h"
#include "userspace/events/event_sink.h"
#include "userspace/events/ring_reader.h"
#include "userspace/evidence/peek.h"
#include "userspace/evidence/session_evidence.h"
#include "userspace/java/pooled_chunks.h"
#include "userspace/profile/losses.h"
#include "userspace/profile/named_stacks.h"
#include "userspace/profile/profile_builder.h"
#include "userspace/report/text_report.h"
#include "userspace/session/target.h"
#include "userspace/session/java_session.h"
#include "userspace/session/python_session.h"
#include "userspace/session/overhead_control.h"
#include "userspace/session/wakeups.h"
#include "userspace/stacks/return_slot.h"
#include "userspace/stacks/stack_resolver.h"
#include "userspace/stacks/stack_table.h"
#include "userspace/symbols/symbolizer.h"
#include "userspace/unwind/unwind_tables.h"

namespace allocprof {
namespace {

// How long buffered events may wait when BPF does not wake us (it only does
// for full batches) -- and so how late a running summary may be.
constexpr absl::Duration kMaxEventDelay = absl::Milliseconds(50);
// How long a turn of the loop may spend naming a Java target's new stacks.
constexpr absl::Duration kJavaNamingSlice = absl::Milliseconds(5);
// x86-64's base page: what mappings are rounded to and pages mode counts.
constexpr uint64_t kPageBytes = 4096;

// Where attaching spends its time, for -v: each phase's milliseconds, in
// the order they ran,
// and what each added to allocprof's peak memory.
class AttachPhases {
 public:
  void Done(absl::string_view phase) {
    const absl::Time now = absl::Now();
    const int64_t peak = PeakKib();
    phases_.push_back(absl::StrFormat("%s %.1f ms", phase, absl::ToDoubleMilliseconds(now - last_)));
    if (peak > peak_kib_ + 512) absl::StrAppendFormat(&phases_.back(), " (+%d KiB peak)", peak - peak_kib_);
    last_ = now;
    peak_kib_ = std::max(peak_kib_, peak);
  }
  std::string Summary() const {
    return absl::StrFormat("attach took %.1f ms, peak memory %d KiB: %s",
                           absl::ToDoubleMilliseconds(last_ - start_), peak_kib_,
                           absl::StrJoin(phases_, ", "));
  }

 private:
  // VmHWM of /proc/self/status: allocprof's own, not a target's.
  static int64_t PeakKib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    int64_t kib = 0;
    while (std::getline(status, line)) {
      absl::string_view rest = line;
      if (absl::ConsumePrefix(&rest, "VmHWM:")) {
        rest = absl::StripAsciiWhitespace(absl::StripSuffix(absl::StripAsciiWhitespace(rest), "kB"));
        if (!absl::SimpleAtoi(rest, &kib)) kib = 0;
      }
    }
    return kib;
  }

  absl::Time start_ = absl::Now();
  absl::Time last_ = start_;
  int64_t peak_kib_ = PeakKib();
  std::vector<std::string> phases_;
};

// allocprof's own CPU time (user and system), for -v.
double CpuSeconds() {
  rusage usage = {};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

absl::Status WithContext(const absl::Status& s, absl::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(context, ": ", s.message()));
}

// A list of problems as one message: the first, and how many more.
std::string FirstOf(const std::vector<std::string>& problems) {
  if (problems.size() == 1) return problems[0];
  return absl::StrCat(problems[0], " (and ", problems.size() - 1, " more; -v lists them)");
}

}  // namespace

absl::Status RunSession(const SessionOptions& options, std::ostream& out) {
  absl::Status s = CheckPrivileges();
  if (s.ok()) s = CheckKernelBtf();
  if (s.ok()) s = EnsureTracefs();
  if (!s.ok()) return s;

  // Outputs are checked before attaching: a bad path must fail fast, not
  // after a long session.
  s = PrepareOutputFiles(options.outputs);
  if (!s.ok()) return s;

  auto stop_fd = StopSignals();
  if (!stop_fd.ok()) return stop_fd.status();

  AttachPhases phases;
  auto target = options.command.empty() ? Target::Existing(options.pid)
                                        : Target::Launch(options.command);
  if (!target.ok()) return target.status();
  Target& t = **target;

  // Every library the target needs is mapped from here on.
  s = t.WaitForLoader();
  if (!s.ok()) return WithContext(s, t.description());

  ProbeConfig config;
  config.tgid = t.pid();
  config.floor_mode = options.floor_mode;
  config.floor_stacks = options.floor_stacks;
  config.stack_map_entries = options.stack_map_entries;
  config.ring_buffer_bytes = options.ring_buffer_mib << 20;
  config.sample_bytes = options.sample_bytes;
  // Pages mode has no uprobes to price; the floor benchmark none to change.
  config.adaptive_sampling = options.max_overhead > 0 && !options.pages_mode && !options.floor_mode;
  config.sessions = options.uprobe_sessions;
  config.pages_mode = options.pages_mode;
  if (options.pages_mode) config.thp = TransparentHugePages();
  config.unwind_mode = options.unwind_mode;
  config.java_probe = options.java;
  phases.Done(options.command.empty() ? "target" : "command to its entry point");
  const KernelFeatures features = KernelFeatures::Probe();
  phases.Done("kernel features");
  if (options.verbose) {
    for (const std::string& line : features.Describe()) {
      std::cerr << "allocprof: " << line << "\n";
    }
  }
  auto probes = BpfProbes::Load(config, features);
  if (!probes.ok()) return probes.status();
  phases.Done("BPF load and verification");
  // What the kernel refused and what was loaded instead: the report's notes
  // say it too.
  const uint32_t unwind_mode = (*probes)->config().unwind_mode;
  std::vector<std::string> kernel_notes;
  for (const Degradation& d : (*probes)->degradations()) {
    kernel_notes.push_back(absl::StrCat(d.what, " (the kernel: ", d.why, "): ", d.cost));
    std::cerr << "allocprof: " << kernel_notes.back() << "\n";
  }
  if (options.verbose) {
    for (const VerifierStats& v : (*probes)->verifier_stats()) {
      std::cerr << absl::StrFormat("allocprof: verifier: %s: %d insns, %d states (peak %d), %d us\n",
                                   v.program, v.insns, v.total_states, v.peak_states,
                                   v.verify_us);
    }
  }
  s = (*probes)->AttachSyscalls();
  if (s.ok() && options.pages_mode) s = (*probes)->AttachPageFaults();
  if (!s.ok()) return s;

  // Symbols are read from the target's files through a handle that outlives
  // it: a command may exit long before the report is written. Its snapshot
  // of the target's objects also says where the allocators are.
  phases.Done("syscall tracepoints");
  auto handle = t.handle().Duplicate();
  if (!handle.ok()) return WithContext(handle.status(), t.description());
  auto symbolizer = Symbolizer::ForProcess(*std::move(handle));
  if (!symbolizer.ok()) return WithContext(symbolizer.status(), t.description());
  phases.Done("objects and symbol tables");
  AllocatorProbes allocators(**probes, options.declared_functions);
  // -v lines name the target's objects and symbols: escaped line by line.
  PrintableLines verbose_lines(std::cerr);
  std::ostream* probe_log = options.verbose ? &verbose_lines : nullptr;
  std::vector<std::string> problems;
  if (!options.pages_mode) {
    allocators.ProbeNewObjects((*symbolizer)->modules(), &problems, probe_log);
  }
  phases.Done("allocator discovery and uprobes");
  if (t.exited()) {
    return absl::NotFoundError(absl::StrCat(
        t.description(), " exited while allocprof was attaching"));
  }
  if (!problems.empty()) {
    if (options.verbose) {
      for (const std::string& p : problems) std::cerr << "allocprof: " << Printable(p) << "\n";
    }
    return WithContext(absl::FailedPreconditionError(FirstOf(problems)),
                       t.description());
  }
  // Unwind tables before the target runs on: its first stacks need them.
  std::unique_ptr<UnwindTables> unwind_tables;
  std::vector<std::string> unwind_problems;
  if (unwind_mode != AP_UNWIND_FP) {
    auto tables = UnwindTables::Create((*probes)->unwind_maps());
    if (!tables.ok()) return tables.status();
    unwind_tables = *std::move(tables);
    unwind_tables->Update((*symbolizer)->modules(), probe_log, &unwind_problems);
    if (options.verbose) {
      std::cerr << "allocprof: stacks walked with CFI (--unwind "
                << (unwind_mode == AP_UNWIND_DWARF ? "dwarf" : "auto") << "): "
                << unwind_tables->rows_used() << " rows ("
                << (unwind_tables->bytes_used() + 1023) / 1024 << " KiB) for "
                << unwind_tables->mapping_count() << " mappings\n";
    }
  }
  if (unwind_tables) phases.Done("unwind tables");
  if (!options.pages_mode && !allocators.CoversAllocation()) {
    return absl::NotFoundError(absl::StrCat(
        "no allocator found in ", t.description(),
        ": no mapped object defines malloc and free or another known allocator "
        "(a stripped static executable?); declare one with --alloc-fn/--free-fn"));
  }
  for (const std::string& spec : allocators.UnmatchedCustom()) {
    std::cerr << "allocprof: '" << spec
              << "': no such object mapped yet; probed if it is mapped later\n";
  }
  if (options.verbose && options.pages_mode) {
    std::cerr << "allocprof: tracepoints exceptions:page_fault_user, "
                 "syscalls:sys_{enter,exit}_{madvise,mmap,munmap,mremap,"
                 "mprotect,brk} for PID "
              << t.pid() << "; no uprobes\n";
  } else if (options.verbose) {
    std::cerr << "allocprof: heap probes are "
              << ((*probes)->sessions() ? "uprobe sessions (one link per object)"
                                        : "uprobes and uretprobes")
              << "\n";
    std::cerr << "allocprof: tracepoints syscalls:sys_{enter,exit}_"
                 "{mmap,munmap,mremap,mprotect,brk} for PID "
              << t.pid() << "\n";
  }

  Aggregator aggregator(kPageBytes, options.pages_mode ? Accounting::kPages
                                                       : Accounting::kAllocations);
  StackTable stack_table;
  StackResolver resolver((*probes)->stack_map_fd(),
                         (*probes)->unwound_stack_map_fd());
  ReturnSlotFinder return_slots((*symbolizer)->modules());
  EventSink sink(aggregator, stack_table, &resolver, &return_slots,
                 &(*symbolizer)->modules());
  auto reader = RingReader::Open(
      (*probes)->ring_buffer_fd(),
      [&sink](const ap_event& e, absl::Span<const uint64_t> words) {
        return sink.Handle(e, words);
      });
  if (!reader.ok()) return reader.status();
  auto waiter = Waiter::Create({(*reader)->epoll_fd(), stop_fd->get(), t.exit_fd()});
  if (!waiter.ok()) return waiter.status();

  // A running JVM is found now; one launched with -- CMD when the launcher
  // loads libjvm.so.
  JavaSession java(t.handle(), t.exit_fd(), **probes, **symbolizer, unwind_tables.get(),
                   &unwind_problems, probe_log);
  if (options.java) java.Notice();
  PythonSession python(t.handle(), **probes, **symbolizer, unwind_tables != nullptr,
                       options.verbose ? &std::cerr : nullptr);
  if (options.python) python.Notice();
  phases.Done("ring buffer, Java and Python");

  // Growth is sampled with or without --interval: leak suspects need it.
  // Started (the RSS read) before the target is told, or let go.
  SessionEvidence evidence(
      t.handle(), {absl::ToInt64Nanoseconds(options.min_age), options.peek,
                   options.pages_mode});
  evidence.Start();
  phases.Done("memory evidence");
  if (options.verbose) std::cerr << "allocprof: " << phases.Summary() << "\n";
  std::cerr << "allocprof: tracing " << t.description() << ": ";
  if (options.pages_mode) {
    std::cerr << "page faults, madvise and the mmap-family syscalls (no uprobes)";
  } else {
    std::cerr << allocators.probed().size() << " allocator functions in "
              << allocators.object_count()
              << (allocators.object_count() == 1 ? " object" : " objects")
              << " and the mmap-family syscalls";
  }
  std::cerr << "; Ctrl-C to stop\n";
  s = t.Release();
  if (!s.ok()) return s;
  // What could not be probed in objects mapped during the session.
  std::vector<std::string> late_problems;
  // The target mapped new code (dlopen, or a new program after exec):
  // symbols must learn of it while the mapping can still be read, its
  // allocators get probes (pages mode has none) and its code unwind rows.
  auto learn_new_code = [&]() {
    if (!sink.TakeNewCode() || !(*symbolizer)->RefreshModules().ok()) return;
    std::vector<std::string> late;
    if (!options.pages_mode) {
      allocators.ProbeNewObjects((*symbolizer)->modules(), &late, probe_log);
    }
    if (unwind_tables) unwind_tables->Update((*symbolizer)->modules(), probe_log, &late);
    for (std::string& line : late) {
      // The target's paths, as the report's notes print them.
      std::cerr << "allocprof: " << Printable(line) << "\n";
      late_problems.push_back(std::move(line));
    }
    if (options.java) java.Notice();
    if (options.python) python.Notice();
  };
  // Every record pending, in order; after an exec, the new program's
  // objects are learnt before the records that follow are read.
  auto drain_all = [&]() -> absl::Status {
    for (;;) {
      absl::StatusOr<bool> paused = (*reader)->Drain();
      if (!paused.ok()) return paused.status();
      learn_new_code();
      if (!*paused) return absl::OkStatus();
    }
  };
  OverheadControl overhead(options.max_overhead, **probes, drain_all, aggregator, t.handle(),
                           probe_log);
  overhead.Start();

  const double cpu_at_start = CpuSeconds();
  NamedStacks names(stack_table, resolver, **symbolizer);
  ProfileBuilder builder(names, **symbolizer, t.program_path());
  const absl::Time start = absl::Now();
  const uint64_t start_ns = MonotonicNowNs();  // on the events' clock
  const absl::Time deadline = start + options.duration;
  absl::Time next_summary = options.interval > absl::ZeroDuration()
                                ? start + options.interval
                                : absl::InfiniteFuture();
  absl::Duration sample_every =
      GrowthSampleInterval(options.duration, options.interval);
  absl::Time next_sample = start + sample_every;
  auto sample = [&]() {
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    // Thinned: the samples kept are twice as far apart now.
    if (evidence.Sample(seconds, aggregator)) sample_every *= 2;
    next_sample += sample_every;
  };
  std::vector<IntervalSample> intervals;
  // Malformed ring records, once the reader is gone.
  uint64_t ring_malformed = 0;
  // The session so far as a Profile: named stacks and the session's facts.
  // `at_end`: the final one, which also reads the target's resident memory.
  auto snapshot = [&](bool at_end) {
    evidence.Prepare(aggregator, MonotonicNowNs(), at_end);
    Profile profile =
        builder.Build(aggregator, [&](StackRef ref, ProfileStack& stack) {
          evidence.Annotate(ref, stack);
        });
    profile.target = t.description();
    profile.command_line = t.command_line();
    profile.start_unix_ns = absl::ToUnixNanos(start);
    profile.duration_ns = absl::ToInt64Nanoseconds(absl::Now() - start);
    profile.events = sink.handled();
    profile.loader_mappings = sink.loader_mappings();
    profile.sample_bytes = overhead.active() ? overhead.mean() : options.sample_bytes;
    if (options.pages_mode) profile.page_bytes = kPageBytes;
    DropCounters drops = (*probes)->ReadDropCounters();
    profile.losses = NameLosses(drops, *reader ? (*reader)->malformed() : ring_malformed);
    profile.notes = DropNotes(drops);
    if (std::string note = ExecNote(profile.totals, start_ns); !note.empty()) {
      profile.notes.push_back(std::move(note));
    }
    overhead.Finish(&profile.overhead, &profile.notes);
    for (const std::string& line : kernel_notes) profile.notes.push_back(line);
    if (std::string note = ThpNote(config.thp); !note.empty()) {
      profile.notes.push_back(std::move(note));
    }
    for (std::string& line : (*symbolizer)->Notes()) profile.notes.push_back(std::move(line));
    for (const std::string& line : unwind_problems) profile.notes.push_back(line);
    for (const std::string& line : late_problems) profile.notes.push_back(line);
    for (std::string& line : java.Notes()) profile.notes.push_back(std::move(line));
    for (std::string& line : python.Notes(profile)) profile.notes.push_back(std::move(line));
    if (std::string note = PooledChunkNote(profile); !note.empty()) {
      profile.notes.push_back(std::move(note));
    }
    for (const std::string& spec : allocators.UnmatchedCustom()) {
      profile.notes.push_back(absl::StrCat("'", spec, "': its object was never mapped"));
    }
    const Totals& totals = profile.totals;
    if (totals.mismatched_frees > 0) {
      profile.mismatch_example = absl::StrCat(
          "allocated by ", allocators.families().Name(totals.first_mismatch.first),
          ", released by ", allocators.families().Name(totals.first_mismatch.second));
    }
    profile.intervals = intervals;
    evidence.Finish(profile);
    return profile;
  };

  StackRef java_named = 0;
  std::string why;
  while (why.empty()) {
    absl::Time now = absl::Now();
    absl::Duration timeout =
        std::min({kMaxEventDelay, deadline - now, next_summary - now,
                  next_sample - now});
    timeout = std::min({timeout, java.UntilDue(), python.UntilDue()});
    std::vector<int> ready = waiter->Wait(timeout);
    if (absl::Status drained = drain_all(); !drained.ok()) return drained;

    if (Contains(ready, stop_fd->get())) {
      why = ReadStopReason(stop_fd->get());
    } else if (Contains(ready, t.exit_fd())) {
      why = "the target exited";
    } else if (absl::Now() >= deadline) {
      why = "the duration passed";
    }
    if (why.empty() && absl::Now() >= next_sample) sample();
    if (why.empty()) {
      s = overhead.Tick(absl::ToDoubleSeconds(absl::Now() - start));
      if (!s.ok()) return s;
    }
    if (why.empty() && !t.exited()) java.Tick(sink.TakeJitCode());
    if (why.empty() && !t.exited()) python.Tick();
    // A JVM's and a Python interpreter's frames are named from their
    // memory: new stacks are named while the target is alive, for it may
    // exit before the report (as a JVM that runs out of direct memory
    // does) -- a few milliseconds' worth at a time, so that a burst of them
    // does not keep the ring buffer waiting.
    if (why.empty() && (java.active() || python.active()) && !t.exited()) {
      const absl::Time until = absl::Now() + kJavaNamingSlice;
      while (java_named < stack_table.size() && absl::Now() < until) names.Name(java_named++);
    }
    if (why.empty() && absl::Now() >= next_summary) {
      Profile so_far = snapshot(false);
      const Totals& totals = so_far.totals;
      intervals.push_back({so_far.duration_ns / 1e9,
                           totals.outstanding.outstanding_bytes(),
                           totals.outstanding.outstanding_objects(),
                           totals.alloc_bytes, totals.freed_bytes});
      WriteIntervalSummary(out, so_far);
      out.flush();
      next_summary += options.interval;
    }
  }
  // Tracing ends here: the probes leave the target, which runs at full
  // speed while the report is written; everything they committed is in
  // the buffer now. The buffer goes too (it is mapped twice, 8 MiB for the
  // default 4), so that naming the stacks does not add to it.
  overhead.Stop();
  (*probes)->Detach();
  if (absl::Status drained = drain_all(); !drained.ok()) return drained;
  ring_malformed = (*reader)->malformed();
  reader->reset();
  std::cerr << "allocprof: " << why << "; writing the report\n";

  if (options.verbose) {
    // Benchmarks read what each program cost (kernel.bpf_stats_enabled=1).
    for (const ProgramRunStats& p : (*probes)->ReadRunStats()) {
      if (p.runs == 0 || p.run_time_ns == 0) continue;
      std::cerr << "allocprof: BPF program " << p.name << ": " << p.runs << " runs, "
                << p.run_time_ns / p.runs << " ns each\n";
    }
    // And what allocprof itself spent on each record while tracing.
    const double cpu_ns = (CpuSeconds() - cpu_at_start) * 1e9;
    if (sink.handled() > 0) {
      std::cerr << absl::StrFormat(
          "allocprof: userspace %.0f ms of CPU while tracing, %.0f ns per record (%d records)\n",
          cpu_ns / 1e6, cpu_ns / static_cast<double>(sink.handled()), sink.handled());
    }
  }
  sample();  // the end of the session is the last point of every series
  // Methods compiled during the session get their names now.
  if (options.java && (*symbolizer)->RefreshModules().ok() && !t.exited()) {
    if (java.active()) {
      java.Finish();
    } else {
      java.Notice();
    }
  }
  Profile profile = snapshot(true);
  if (options.peek > 0) PeekShownStacks(t.handle(), options.top, &profile);
  WriteTextReport(out, profile, options.top);
  out.flush();
  return WriteOutputFiles(profile, options.outputs);
}

}  // namespace allocprof
