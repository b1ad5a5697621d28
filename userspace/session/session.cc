#include "userspace/session/session.h"

#include <algorithm>
#include <cerrno>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "userspace/aggregate/aggregator.h"
#include "userspace/common/unique_fd.h"
#include "userspace/attach/bpf_probes.h"
#include "userspace/attach/host_checks.h"
#include "userspace/events/event_sink.h"
#include "userspace/events/ring_reader.h"
#include "userspace/profile/losses.h"
#include "userspace/profile/named_stacks.h"
#include "userspace/profile/profile_builder.h"
#include "userspace/report/text_report.h"
#include "userspace/session/target.h"
#include "userspace/session/wakeups.h"
#include "userspace/stacks/return_slot.h"
#include "userspace/stacks/stack_resolver.h"
#include "userspace/stacks/stack_table.h"
#include "userspace/symbols/symbolizer.h"

namespace allocprof {
namespace {

// How long buffered events may wait when BPF does not wake us (it only does
// for full batches) -- and so how late a running summary may be.
constexpr absl::Duration kMaxEventDelay = absl::Milliseconds(50);

absl::Status WithContext(const absl::Status& s, absl::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(context, ": ", s.message()));
}

// What -v says about each probe: where it sits and why there.
void PrintProbes(const std::vector<ProbedFunction>& probed,
                 const std::string& library, pid_t pid) {
  for (const ProbedFunction& p : probed) {
    std::cerr << absl::StrFormat("allocprof: uprobe%s %s at %s+0x%x",
                                 p.with_return ? "+uretprobe" : "", p.symbol,
                                 library, p.offset + p.site.offset);
    if (p.site.offset != 0) {
      std::cerr << absl::StrFormat(" (%s+0x%x: `%s`, emulated, after `%s`)",
                                   p.symbol, p.site.offset, p.site.probed,
                                   p.site.passed);
    } else {
      std::cerr << " (`" << p.site.probed << "`"
                << (p.site.why.empty() ? "" : "; " + p.site.why) << ")";
    }
    std::cerr << "\n";
  }
  std::cerr << "allocprof: tracepoints syscalls:sys_{enter,exit}_"
               "{mmap,munmap,mremap,mprotect,brk} for PID "
            << pid << "\n";
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

  auto target = options.command.empty() ? Target::Existing(options.pid)
                                        : Target::Launch(options.command);
  if (!target.ok()) return target.status();
  Target& t = **target;

  ProbeConfig config;
  config.tgid = t.pid();
  config.floor_mode = options.floor_mode;
  config.stack_map_entries = options.stack_map_entries;
  config.ring_buffer_bytes = options.ring_buffer_mib << 20;
  auto probes = BpfProbes::Load(config);
  if (!probes.ok()) return probes.status();
  s = (*probes)->AttachSyscalls();
  if (!s.ok()) return s;

  auto libc = t.CLibrary();
  if (!libc.ok()) return libc.status();
  auto probed = (*probes)->AttachAllocator(libc->host_path);
  if (!probed.ok()) {
    if (t.exited()) {
      return absl::NotFoundError(absl::StrCat(
          t.description(), " exited while allocprof was attaching"));
    }
    return WithContext(probed.status(), t.description());
  }
  if (options.verbose) PrintProbes(*probed, libc->path, t.pid());

  // Symbols are read from the target's files through a handle that outlives
  // it: a command may exit long before the report is written.
  auto symbolizer = Symbolizer::ForProcess(t.pid());
  if (!symbolizer.ok()) return WithContext(symbolizer.status(), t.description());

  Aggregator aggregator;
  StackTable stack_table;
  StackResolver resolver((*probes)->stack_map_fd());
  ReturnSlotFinder return_slots((*symbolizer)->modules());
  EventSink sink(aggregator, stack_table, &resolver, &return_slots,
                 &(*symbolizer)->modules());
  auto reader = RingReader::Open(
      (*probes)->ring_buffer_fd(),
      [&sink](const ap_event& e, absl::Span<const uint64_t> words) {
        sink.Handle(e, words);
      });
  if (!reader.ok()) return reader.status();
  auto waiter = Waiter::Create({(*reader)->epoll_fd(), stop_fd->get(), t.exit_fd()});
  if (!waiter.ok()) return waiter.status();

  std::cerr << "allocprof: tracing " << t.description() << ": "
            << (*probes)->link_count() << " probes on " << libc->path
            << " and the mmap-family syscalls; Ctrl-C to stop\n";
  s = t.Release();
  if (!s.ok()) return s;

  NamedStacks names(stack_table, resolver, **symbolizer);
  ProfileBuilder builder(names, **symbolizer, t.program_path());
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + options.duration;
  absl::Time next_summary = options.interval > absl::ZeroDuration()
                                ? start + options.interval
                                : absl::InfiniteFuture();
  std::vector<IntervalSample> intervals;
  // The session so far as a Profile: named stacks and the session's facts.
  auto snapshot = [&]() {
    Profile profile = builder.Build(aggregator);
    profile.target = t.description();
    profile.command_line = t.command_line();
    profile.start_unix_ns = absl::ToUnixNanos(start);
    profile.duration_ns = absl::ToInt64Nanoseconds(absl::Now() - start);
    profile.events = sink.handled();
    profile.loader_mappings = sink.loader_mappings();
    DropCounters drops = (*probes)->ReadDropCounters();
    profile.losses = NameLosses(drops, (*reader)->malformed());
    profile.notes = DropNotes(drops);
    for (const std::string& line : (*symbolizer)->load_errors()) {
      profile.notes.push_back(line);
    }
    profile.intervals = intervals;
    return profile;
  };

  std::string why;
  while (why.empty()) {
    absl::Time now = absl::Now();
    absl::Duration timeout =
        std::min({kMaxEventDelay, deadline - now, next_summary - now});
    std::vector<int> ready = waiter->Wait(timeout);
    auto drained = (*reader)->Drain();
    if (!drained.ok()) return drained.status();
    // The target mapped new code (dlopen): symbols must learn of it while
    // the mapping can still be read.
    if (sink.TakeNewCode()) (*symbolizer)->RefreshModules().IgnoreError();

    if (Contains(ready, stop_fd->get())) {
      why = ReadStopReason(stop_fd->get());
    } else if (Contains(ready, t.exit_fd())) {
      why = "the target exited";
    } else if (absl::Now() >= deadline) {
      why = "the duration passed";
    }
    if (why.empty() && absl::Now() >= next_summary) {
      Profile so_far = snapshot();
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
  // Everything the target committed before the end is in the buffer now.
  auto drained = (*reader)->Drain();
  if (!drained.ok()) return drained.status();
  std::cerr << "allocprof: " << why << "; writing the report\n";

  const Profile profile = snapshot();
  WriteTextReport(out, profile, options.top);
  out.flush();
  return WriteOutputFiles(profile, options.outputs);
}

}  // namespace allocprof
