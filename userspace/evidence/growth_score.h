// Leak suspects: which stacks' outstanding bytes grew steadily over the
// session. One snapshot cannot tell a slow leak from a large cache filled
// once; their histories can. For each stack's samples (time, outstanding
// bytes):
//
//   rate          least-squares slope, bytes/s
//   fit           R² of that line: near 1 when growth is even, low for
//                 jumps and for up-and-down churn
//   steadiness    share of steps between samples that do not go down
//   still growing the rate over the second half of the samples as a share
//                 of the whole rate, at most 1: a cache that filled early
//                 and stopped is flat there (0)
//   score         rate × steadiness × fit × still growing: what stacks are
//                 ranked by
//
// A stack is a suspect when it has at least kMinGrowthSamples samples, a
// positive rate, steadiness >= 0.75, fit >= 0.5 and still growing >= 0.25.
#ifndef ALLOCPROF_USERSPACE_EVIDENCE_GROWTH_SCORE_H_
#define ALLOCPROF_USERSPACE_EVIDENCE_GROWTH_SCORE_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "userspace/profile/profile.h"

namespace allocprof {

inline constexpr size_t kMinGrowthSamples = 3;

struct GrowthScore {
  double bytes_per_second = 0;
  double fit = 0;         // R², 0..1
  int steps = 0;          // samples - 1
  int steps_not_down = 0;
  double steadiness = 0;  // steps_not_down / steps
  double still_growing = 0;  // second half's rate / rate, 0..1
  double score = 0;       // 0 unless the rate is > 0
  bool suspect = false;
};

// Scores one series; `seconds` and `bytes` have the same length, seconds
// ascending.
GrowthScore ScoreGrowth(absl::Span<const double> seconds,
                        absl::Span<const int64_t> bytes);

struct LeakSuspect {
  size_t stack = 0;  // index into Profile::stacks
  GrowthScore growth;
};

// The suspects among `profile`'s stacks (from Profile::growth_seconds and
// StackEvidence::growth), highest score first.
std::vector<LeakSuspect> LeakSuspects(const Profile& profile);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVIDENCE_GROWTH_SCORE_H_
