#include "userspace/evidence/growth_series.h"

#include <algorithm>

namespace allocprof {

absl::Duration GrowthSampleInterval(absl::Duration duration,
                                    absl::Duration interval) {
  if (interval > absl::ZeroDuration()) return interval;
  if (duration == absl::InfiniteDuration()) return absl::Seconds(1);
  return std::clamp(duration / 20, absl::Seconds(1), absl::Seconds(60));
}

bool GrowthSeries::Add(double seconds,
                       const std::vector<std::pair<StackRef, Usage>>& by_stack) {
  absl::flat_hash_map<StackRef, int64_t> row;
  for (const auto& [stack, usage] : by_stack) {
    if (const int64_t bytes = usage.outstanding_bytes(); bytes != 0) {
      row[stack] = bytes;
    }
  }
  seconds_.push_back(seconds);
  rows_.push_back(std::move(row));
  if (seconds_.size() <= max_samples_) return false;
  // Keep samples 0, 2, 4, ...: still evenly spaced, half as many.
  size_t kept = 0;
  for (size_t i = 0; i < seconds_.size(); i += 2, ++kept) {
    seconds_[kept] = seconds_[i];
    rows_[kept] = std::move(rows_[i]);
  }
  seconds_.resize(kept);
  rows_.resize(kept);
  return true;
}

std::vector<int64_t> GrowthSeries::Of(StackRef stack) const {
  std::vector<int64_t> out(rows_.size(), 0);
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (auto it = rows_[i].find(stack); it != rows_[i].end()) out[i] = it->second;
  }
  return out;
}

}  // namespace allocprof
