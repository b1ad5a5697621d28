#include "userspace/events/overhead_guard.h"

#include <algorithm>

namespace allocprof {
namespace {

ProbeActivity Minus(const ProbeActivity& a, const ProbeActivity& b) {
  return {a.emulated_entries - b.emulated_entries, a.stepped_entries - b.stepped_entries,
          a.returns - b.returns, a.bpf_run_ns - b.bpf_run_ns};
}

// What a program run costs a call that is not drawn: the state lookup and
// the draw, no stack and no record.
constexpr double kUndrawnRunNs = 150;
// The guard aims below the budget, so that noise between windows does not
// take it over again.
constexpr double kAim = 0.8;
// A raise is at least this factor: a mean that creeps up by a percent a
// window would change the figures' meaning every second.
constexpr double kMinRaise = 1.25;

}  // namespace

OverheadGuard::OverheadGuard(const GuardOptions& options, const ProbeCosts& costs,
                             uint64_t initial_mean)
    : options_(options), costs_(costs), mean_(initial_mean) {}

double OverheadGuard::ProbeNs(const ProbeActivity& d) const {
  return static_cast<double>(d.emulated_entries) * costs_.emulated_ns +
         static_cast<double>(d.stepped_entries) * costs_.stepped_ns +
         static_cast<double>(d.returns) * costs_.return_ns + static_cast<double>(d.bpf_run_ns);
}

double OverheadGuard::FixedNs(const ProbeActivity& d) const {
  const double entries = static_cast<double>(d.emulated_entries + d.stepped_entries);
  double fixed = static_cast<double>(d.emulated_entries) * costs_.emulated_ns +
                 static_cast<double>(d.stepped_entries) * costs_.stepped_ns +
                 std::min(static_cast<double>(d.bpf_run_ns), entries * kUndrawnRunNs);
  if (!options_.returns_follow_samples) {
    fixed += static_cast<double>(d.returns) * costs_.return_ns;
  }
  return fixed;
}

double OverheadGuard::ProbeSeconds(const ProbeActivity& activity) const {
  return ProbeNs(activity) / 1e9;
}

std::optional<uint64_t> OverheadGuard::Observe(double seconds, const ProbeActivity& activity,
                                               uint64_t allocations, uint64_t allocated_bytes) {
  const double elapsed = seconds - window_start_;
  if (elapsed < options_.window_seconds) return std::nullopt;
  const ProbeActivity d = Minus(activity, at_window_start_);
  const uint64_t calls = allocations - allocations_at_start_;
  const uint64_t bytes = allocated_bytes - bytes_at_start_;
  window_start_ = seconds;
  at_window_start_ = activity;
  allocations_at_start_ = allocations;
  bytes_at_start_ = allocated_bytes;

  const double window_ns = elapsed * 1e9;
  const double probe_ns = ProbeNs(d);
  const double fraction = probe_ns / window_ns;
  windows_.push_back({seconds, fraction, mean_});
  if (options_.budget <= 0 || fraction <= options_.budget) return std::nullopt;

  const double budget_ns = options_.budget * window_ns;
  const double fixed_ns = FixedNs(d);
  const double variable_ns = probe_ns - fixed_ns;
  if (options_.pages_when_traps_exceed && fixed_ns >= budget_ns) {
    // No mean keeps the budget: the traps themselves must go.
    traps_exceed_budget_ = true;
    leave_probes_ = true;
    return std::nullopt;
  }
  uint64_t next = options_.max_mean;
  if (fixed_ns >= kAim * budget_ns || variable_ns <= 0) {
    // Whatever the mean, the traps stay: as few records as can be.
    traps_exceed_budget_ = true;
  } else {
    // A call of s bytes is drawn with probability about s / mean when s is
    // well below the mean, so the records (and what they cost) fall in
    // proportion to the mean. While every call is traced, the mean that
    // stands for "every call" is the average size.
    const double factor = variable_ns / (kAim * budget_ns - fixed_ns);
    const double average = calls == 0 ? 1.0 : std::max(1.0, static_cast<double>(bytes) / calls);
    const double from = mean_ == 0 ? average : static_cast<double>(mean_);
    double want = std::max(from * factor, static_cast<double>(mean_) * kMinRaise);
    want = std::min(want, static_cast<double>(options_.max_mean));
    next = std::max<uint64_t>(1, static_cast<uint64_t>(want));
  }
  if (next <= mean_) return std::nullopt;
  changes_.push_back({seconds, mean_, next, fraction});
  mean_ = next;
  return next;
}

}  // namespace allocprof
