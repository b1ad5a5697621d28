#include "userspace/evidence/growth_score.h"

#include <algorithm>

namespace allocprof {
namespace {

constexpr double kMinSteadiness = 0.75;
constexpr double kMinFit = 0.5;
// The second half must grow at this share of the whole session's rate.
constexpr double kMinLateRate = 0.25;

}  // namespace

GrowthScore ScoreGrowth(absl::Span<const double> seconds,
                        absl::Span<const int64_t> bytes) {
  GrowthScore g;
  const size_t n = std::min(seconds.size(), bytes.size());
  if (n < 2) return g;
  double mean_t = 0, mean_y = 0;
  for (size_t i = 0; i < n; ++i) {
    mean_t += seconds[i];
    mean_y += static_cast<double>(bytes[i]);
  }
  mean_t /= n;
  mean_y /= n;
  double stt = 0, sty = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double dt = seconds[i] - mean_t;
    const double dy = static_cast<double>(bytes[i]) - mean_y;
    stt += dt * dt;
    sty += dt * dy;
    syy += dy * dy;
  }
  if (stt <= 0) return g;
  g.bytes_per_second = sty / stt;
  g.fit = syy > 0 ? (sty * sty) / (stt * syy) : 0;
  g.steps = static_cast<int>(n - 1);
  for (size_t i = 1; i < n; ++i) {
    if (bytes[i] >= bytes[i - 1]) ++g.steps_not_down;
  }
  g.steadiness = static_cast<double>(g.steps_not_down) / g.steps;
  if (g.bytes_per_second <= 0) return g;

  const size_t mid = n / 2;
  const double late_span = seconds[n - 1] - seconds[mid];
  const double late_rate =
      late_span > 0
          ? static_cast<double>(bytes[n - 1] - bytes[mid]) / late_span
          : 0;
  g.still_growing = std::clamp(late_rate / g.bytes_per_second, 0.0, 1.0);
  g.score = g.bytes_per_second * g.steadiness * g.fit * g.still_growing;
  g.suspect = n >= kMinGrowthSamples && g.steadiness >= kMinSteadiness &&
              g.fit >= kMinFit && g.still_growing >= kMinLateRate;
  return g;
}

std::vector<LeakSuspect> LeakSuspects(const Profile& profile) {
  std::vector<LeakSuspect> out;
  for (size_t i = 0; i < profile.stacks.size(); ++i) {
    const std::vector<int64_t>& series = profile.stacks[i].evidence.growth;
    if (series.size() != profile.growth_seconds.size()) continue;
    GrowthScore g = ScoreGrowth(profile.growth_seconds, series);
    if (g.suspect) out.push_back({i, g});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const LeakSuspect& a, const LeakSuspect& b) {
                     return a.growth.score > b.growth.score;
                   });
  return out;
}

}  // namespace allocprof
