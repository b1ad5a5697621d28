#include "userspace/session/overhead_control.h"

#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "userspace/report/text_report.h"
#include "userspace/session/target.h"

namespace allocprof {
namespace {

// A program run takes microseconds: once this has passed after BPF was told
// to enter every block it records, no call that began before is still
// about to record one it did not enter.
constexpr auto kCallsInFlight = std::chrono::milliseconds(10);

// How often the guard looks: its windows are a second long.
constexpr double kTickSeconds = 0.25;

std::string Mean(uint64_t mean) {
  return mean == 0 ? std::string("every allocation")
                   : absl::StrCat("one allocation per ", FormatBytes(static_cast<int64_t>(mean)));
}

}  // namespace

OverheadControl::OverheadControl(double budget, bool pages_when_over_budget, BpfProbes& probes,
                                 DrainAll drain_all, Aggregator& aggregator,
                                 const ProcessHandle& target, SessionLog& log)
    : budget_(budget),
      pages_when_over_budget_(pages_when_over_budget),
      probes_(probes),
      drain_all_(std::move(drain_all)),
      aggregator_(aggregator),
      target_(target),
      log_(log) {}

void OverheadControl::Start() {
  if (budget_ <= 0 || !probes_.config().adaptive_sampling) return;
  ProbeCosts costs;
  auto measured = MeasureProbeCosts();
  if (measured.ok()) {
    costs = *measured;
  } else {
    costs = AssumedProbeCosts();
    costs_note_ = absl::StrCat("the cost of a probe hit could not be measured (",
                               measured.status().message(), "); assumed ",
                               costs.emulated_ns / 1000, " us emulated, ",
                               costs.stepped_ns / 1000, " us single-stepped");
  }
  if (std::ostream* verbose = log_.verbose()) {
    *verbose << absl::StrFormat(
        "allocprof: a probe hit costs %.2f us emulated, %.2f us single-stepped, "
        "%.2f us more with a return probe%s\n",
        costs.emulated_ns / 1000, costs.stepped_ns / 1000, costs.return_ns / 1000,
        measured.ok() ? " (measured)" : " (assumed)");
  }
  GuardOptions options;
  options.budget = budget_;
  options.returns_follow_samples = probes_.sessions();
  options.pages_when_traps_exceed = pages_when_over_budget_;
  guard_.emplace(options, costs, probes_.config().sample_bytes);
  cpu_at_start_ = TargetCpuSeconds();
}

absl::Status OverheadControl::Tick(double seconds) {
  if (!guard_ || leave_probes() || seconds < next_tick_) return absl::OkStatus();
  next_tick_ = seconds + kTickSeconds;
  const Totals& totals = aggregator_.totals();
  std::optional<uint64_t> mean = guard_->Observe(seconds, probes_.ReadActivity(),
                                                 totals.alloc_objects, totals.alloc_bytes);
  if (!mean) return absl::OkStatus();
  const SamplingChange& change = guard_->changes().back();
  if (std::ostream* verbose = log_.verbose()) {
    *verbose << absl::StrFormat(
        "allocprof: the probes cost %.1f %% of a core (budget %.1f %%): sampling %s\n",
        change.probe_fraction * 100, budget_ * 100, Mean(change.to_mean));
  }
  return Apply(*mean);
}

absl::Status OverheadControl::Apply(uint64_t mean) {
  if (guard_->changes().size() == 1 && guard_->changes()[0].from_mean == 0) {
    probes_.TrackLiveBlocks();
    std::this_thread::sleep_for(kCallsInFlight);
    if (absl::Status drained = drain_all_(); !drained.ok()) return drained;
    untracked_blocks_ = probes_.EnterLiveBlocks(aggregator_.LiveBlockAddresses());
  }
  return probes_.SetSampleMean(mean);
}

double OverheadControl::TargetCpuSeconds() const {
  // utime and stime, fields 14 and 15, counted after the parenthesised name
  // (which may hold spaces).
  auto stat = target_.ReadProcFile("stat");
  if (!stat.ok()) return 0;
  const std::vector<absl::string_view> fields = StatFieldsAfterName(*stat);
  uint64_t utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return 0;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void OverheadControl::Stop() {
  if (!guard_) return;
  activity_at_stop_ = probes_.ReadActivity();
  cpu_at_stop_ = TargetCpuSeconds();
}

ProbeOverhead OverheadControl::Figures() const {
  ProbeOverhead overhead;
  if (!guard_) return overhead;
  const ProbeActivity activity = activity_at_stop_ ? *activity_at_stop_ : probes_.ReadActivity();
  overhead.budget = budget_;
  overhead.probe_seconds = guard_->ProbeSeconds(activity);
  const double cpu = activity_at_stop_ ? cpu_at_stop_ : TargetCpuSeconds();
  if (cpu > cpu_at_start_) overhead.target_cpu_seconds = cpu - cpu_at_start_;
  overhead.traps_exceed_budget = guard_->traps_exceed_budget();
  overhead.changes = guard_->changes();
  overhead.windows = guard_->windows();
  return overhead;
}

std::string OverheadControl::LeaveNote() const {
  if (!leave_probes()) return "";
  const OverheadWindow& w = guard_->windows().back();
  return absl::StrFormat(
      "at %.1f s the probes cost an estimated %.1f %% of a core, and their traps alone more "
      "than the %.1f %% budget (--max-overhead) whatever the sampling: the allocator probes "
      "were removed and tracing went on in pages mode (--over-budget pages), which counts "
      "pages made resident, not heap bytes",
      w.end_seconds, w.probe_fraction * 100, budget_ * 100);
}

std::vector<std::string> OverheadControl::Notes() const {
  std::vector<std::string> notes;
  if (!guard_) return notes;
  if (!costs_note_.empty()) notes.push_back(costs_note_);
  for (const SamplingChange& c : guard_->changes()) {
    notes.push_back(absl::StrFormat(
        "at %.1f s the probes cost an estimated %.1f %% of a core, over the %.1f %% budget "
        "(--max-overhead): sampling changed from %s to %s",
        c.at_seconds, c.probe_fraction * 100, budget_ * 100, Mean(c.from_mean),
        Mean(c.to_mean)));
  }
  if (guard_->leave_probes()) {
    notes.push_back(LeaveNote());
  } else if (guard_->traps_exceed_budget()) {
    notes.push_back(absl::StrFormat(
        "the probes' traps alone cost more than the %.1f %% budget: every allocator call still "
        "hits its probe, sampled or not; --mode pages has no uprobes",
        budget_ * 100));
  }
  if (untracked_blocks_ > 0) {
    notes.push_back(absl::StrCat(
        untracked_blocks_, " blocks live when sampling began did not fit the live-block map: "
                           "their frees are not seen, so they stay outstanding"));
  }
  return notes;
}

}  // namespace allocprof
