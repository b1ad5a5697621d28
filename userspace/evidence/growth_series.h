// The history behind leak suspects: every stack's outstanding bytes at each
// sample of the session. Memory stays bounded in long sessions: past
// `max_samples`, every other sample is dropped and the caller is told to
// sample half as often, so the series always spans the whole session evenly.
#ifndef ALLOCPROF_USERSPACE_EVIDENCE_GROWTH_SERIES_H_
#define ALLOCPROF_USERSPACE_EVIDENCE_GROWTH_SERIES_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "userspace/aggregate/usage.h"

namespace allocprof {

// How often to sample growth: at `interval` when given (> 0); else a
// twentieth of a session of known `duration`, within [1 s, 60 s]; else (a
// session that ends on Ctrl-C or the target's exit) every second, slowed
// down by GrowthSeries' thinning as the session grows long.
absl::Duration GrowthSampleInterval(absl::Duration duration,
                                    absl::Duration interval);

class GrowthSeries {
 public:
  explicit GrowthSeries(size_t max_samples = 128)
      : max_samples_(max_samples < 2 ? 2 : max_samples) {}

  // Records what each stack holds at `seconds` (since tracing began; later
  // than the last sample). Returns true when older samples were thinned.
  bool Add(double seconds,
           const std::vector<std::pair<StackRef, Usage>>& by_stack);

  const std::vector<double>& seconds() const { return seconds_; }
  // Outstanding bytes of `stack` at every sample; 0 where it held nothing.
  std::vector<int64_t> Of(StackRef stack) const;

 private:
  size_t max_samples_;
  std::vector<double> seconds_;
  std::vector<absl::flat_hash_map<StackRef, int64_t>> rows_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVIDENCE_GROWTH_SERIES_H_
