#include "userspace/session/tracing.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "userspace/evidence/growth_series.h"
#include "userspace/evidence/peek.h"
#include "userspace/report/text_report.h"

namespace allocprof {
namespace {

// How long a turn of the loop may spend naming a runtime's new stacks.
constexpr absl::Duration kNamingSlice = absl::Milliseconds(5);

}  // namespace

Tracing::Tracing(const SessionOptions& options, Target& target, Attachment& attachment,
                 SessionLog& log)
    : options_(options),
      target_(target),
      attachment_(attachment),
      log_(log),
      aggregator_(kPageBytes, options.pages_mode ? Accounting::kPages : Accounting::kAllocations),
      resolver_(attachment.probes->stack_map_fd(), attachment.probes->unwound_stack_map_fd()),
      return_slots_(attachment.symbolizer->modules()),
      sink_(aggregator_, stack_table_, &resolver_, &return_slots_,
            &attachment.symbolizer->modules()),
      java_(target.handle(), target.exit_fd(), *attachment.probes, *attachment.symbolizer,
            attachment.unwind_tables.get(), log),
      python_(target.handle(), *attachment.probes, *attachment.symbolizer,
              attachment.unwind_tables != nullptr, log),
      evidence_(target.handle(), {absl::ToInt64Nanoseconds(options.min_age), options.peek,
                                  options.pages_mode}),
      names_(stack_table_, resolver_, *attachment.symbolizer),
      builder_(names_, *attachment.symbolizer, target.program_path()) {}

absl::StatusOr<std::unique_ptr<Tracing>> Tracing::Start(const SessionOptions& options,
                                                        Target& target, Attachment& attachment,
                                                        SessionLog& log, int stop_fd,
                                                        AttachPhases& phases) {
  std::unique_ptr<Tracing> t(new Tracing(options, target, attachment, log));
  auto reader = RingReader::Open(
      attachment.probes->ring_buffer_fd(),
      [sink = &t->sink_](const Record& record) { return sink->Handle(record); });
  if (!reader.ok()) return reader.status();
  t->reader_ = *std::move(reader);
  auto waiter = Waiter::Create({t->reader_->epoll_fd(), stop_fd, target.exit_fd()});
  if (!waiter.ok()) return waiter.status();
  t->waiter_ = std::make_unique<Waiter>(*std::move(waiter));
  t->stop_fd_ = stop_fd;

  // A running JVM is found now; one launched with -- CMD when the launcher
  // loads libjvm.so.
  if (options.java) t->java_.Notice();
  if (options.python) t->python_.Notice();
  phases.Done("ring buffer, Java and Python");

  // Growth is sampled with or without --interval: leak suspects need it.
  // Started (the RSS read) before the target is told, or let go.
  t->evidence_.Start();
  phases.Done("memory evidence");
  if (std::ostream* verbose = log.verbose()) {
    *verbose << "allocprof: " << phases.Summary() << "\n";
  }
  const AllocatorProbes& allocators = *attachment.allocators;
  log.Say(absl::StrCat(
      "tracing ", target.description(), ": ",
      options.pages_mode
          ? "page faults, madvise and the mmap-family syscalls (no uprobes)"
          : absl::StrCat(allocators.probed().size(), " allocator functions in ",
                         allocators.object_count(),
                         allocators.object_count() == 1 ? " object" : " objects",
                         " and the mmap-family syscalls"),
      "; Ctrl-C to stop"));
  if (absl::Status s = target.Release(); !s.ok()) return s;
  // What could not be probed or unwound in objects mapped from here on is
  // said when found.
  log.SayNotesFromNow();
  Tracing* self = t.get();
  t->overhead_ = std::make_unique<OverheadControl>(
      options.max_overhead, options.pages_when_over_budget, *attachment.probes,
      [self]() { return self->DrainAll(); },
      t->aggregator_, target.handle(), log);
  t->overhead_->Start();

  t->cpu_at_start_ = CpuSeconds();
  t->start_ = absl::Now();
  t->start_ns_ = MonotonicNowNs();
  if (options.interval > absl::ZeroDuration()) t->next_summary_ = t->start_ + options.interval;
  t->sample_every_ = GrowthSampleInterval(options.duration, options.interval);
  t->next_sample_ = t->start_ + t->sample_every_;
  return t;
}

void Tracing::Schedule(TraceLoop& loop, std::ostream& out) {
  loop.When(
      "growth sample", [this] { return next_sample_; },
      [this](absl::Time) {
        SampleGrowth();
        return absl::OkStatus();
      });
  loop.EveryTurn("overhead guard", [this, &loop](absl::Time now) {
    absl::Status s = overhead_->Tick(absl::ToDoubleSeconds(now - start_));
    if (s.ok() && overhead_->leave_probes()) {
      loop.Stop("the probes' traps alone cost more than the budget (--max-overhead)");
    }
    return s;
  });
  loop.EveryTurn(
      "Java target",
      [this](absl::Time) {
        if (!target_.exited()) java_.Tick(sink_.TakeJitCode());
        return absl::OkStatus();
      },
      [this] { return absl::Now() + java_.UntilDue(); });
  loop.EveryTurn(
      "Python target",
      [this](absl::Time) {
        if (!target_.exited()) python_.Tick();
        return absl::OkStatus();
      },
      [this] { return absl::Now() + python_.UntilDue(); });
  loop.EveryTurn("naming runtime stacks", [this](absl::Time) {
    NameRuntimeStacks();
    return absl::OkStatus();
  });
  loop.When(
      "running summary", [this] { return next_summary_; },
      [this, &out](absl::Time) { return WriteSummary(out); });
}

absl::StatusOr<std::string> Tracing::WaitAndRead(absl::Duration timeout) {
  const std::vector<int> ready = waiter_->Wait(timeout);
  if (absl::Status drained = DrainAll(); !drained.ok()) return drained;
  if (Contains(ready, stop_fd_)) return ReadStopReason(stop_fd_);
  if (Contains(ready, target_.exit_fd())) return std::string("the target exited");
  return std::string();
}

absl::Status Tracing::DrainAll() {
  for (;;) {
    absl::StatusOr<bool> paused = reader_->Drain();
    if (!paused.ok()) return paused.status();
    LearnNewCode();
    if (!*paused) return absl::OkStatus();
  }
}

void Tracing::LearnNewCode() {
  Symbolizer& symbolizer = *attachment_.symbolizer;
  if (!sink_.TakeNewCode() || !symbolizer.RefreshModules().ok()) return;
  if (!options_.pages_mode) {
    absl::Status probed = attachment_.allocators->ProbeNewObjects(symbolizer.modules(), log_);
    if (!probed.ok()) log_.Note(std::string(probed.message()));
  }
  if (attachment_.unwind_tables) attachment_.unwind_tables->Update(symbolizer.modules(), log_);
  if (options_.java) java_.Notice();
  if (options_.python) python_.Notice();
}

void Tracing::SampleGrowth() {
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
  // Thinned: the samples kept are twice as far apart now.
  if (evidence_.Sample(seconds, aggregator_)) sample_every_ *= 2;
  next_sample_ += sample_every_;
}

void Tracing::NameRuntimeStacks() {
  // New stacks are named while the target is alive, for it may exit before
  // the report (as a JVM that runs out of direct memory does) -- a few
  // milliseconds' worth at a time, so that a burst of them does not keep
  // the ring buffer waiting.
  if (!(java_.active() || python_.active()) || target_.exited()) return;
  const absl::Time until = absl::Now() + kNamingSlice;
  while (runtime_named_ < stack_table_.size() && absl::Now() < until) {
    names_.Name(runtime_named_++);
  }
}

absl::Status Tracing::WriteSummary(std::ostream& out) {
  Profile so_far = Snapshot(false);
  const Totals& totals = so_far.totals;
  intervals_.push_back({so_far.duration_ns / 1e9, totals.outstanding.outstanding_bytes(),
                        totals.outstanding.outstanding_objects(), totals.alloc_bytes,
                        totals.freed_bytes});
  WriteIntervalSummary(out, so_far);
  out.flush();
  next_summary_ += options_.interval;
  return absl::OkStatus();
}

absl::Status Tracing::Stop() {
  // Everything the probes committed is in the buffer once they are gone.
  // The buffer goes too (it is mapped twice, 8 MiB for the default 4), so
  // that naming the stacks does not add to it.
  overhead_->Stop();
  attachment_.probes->Detach();
  if (absl::Status drained = DrainAll(); !drained.ok()) return drained;
  ring_malformed_ = reader_->malformed();
  reader_.reset();
  if (std::ostream* verbose = log_.verbose()) {
    // Benchmarks read what each program cost (kernel.bpf_stats_enabled=1).
    for (const ProgramRunStats& p : attachment_.probes->ReadRunStats()) {
      if (p.runs == 0 || p.run_time_ns == 0) continue;
      *verbose << "allocprof: BPF program " << p.name << ": " << p.runs << " runs, "
               << p.run_time_ns / p.runs << " ns each\n";
    }
    const ProbeActivity activity = attachment_.probes->ReadActivity();
    if (activity.walks > 0) {
      *verbose << "allocprof: " << activity.walks << " user stacks walked with CFI, "
               << activity.walks_remembered << " of them remembered walks\n";
    }
    // And what allocprof itself spent on each record while tracing.
    const double cpu_ns = (CpuSeconds() - cpu_at_start_) * 1e9;
    if (sink_.handled() > 0) {
      *verbose << absl::StrFormat(
          "allocprof: userspace %.0f ms of CPU while tracing, %.0f ns per record (%d records)\n",
          cpu_ns / 1e6, cpu_ns / static_cast<double>(sink_.handled()), sink_.handled());
    }
  }
  return absl::OkStatus();
}

Profile Tracing::Finish() {
  SampleGrowth();  // the end of the session is the last point of every series
  // Methods compiled during the session get their names now.
  if (options_.java && attachment_.symbolizer->RefreshModules().ok() && !target_.exited()) {
    if (java_.active()) {
      java_.Finish();
    } else {
      java_.Notice();
    }
  }
  Profile profile = Snapshot(true);
  if (options_.peek > 0) PeekShownStacks(target_.handle(), options_.top, &profile);
  return profile;
}

}  // namespace allocprof
