#include "userspace/session/attach_phases.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace allocprof {
namespace {

// allocprof's own peak resident memory (VmHWM), in KiB; 0 if unreadable.
int64_t PeakRssKib() {
  // /proc/self: allocprof's own status, not a target's.
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

}  // namespace

AttachPhases::AttachPhases() : start_(absl::Now()), last_(start_), peak_kib_(PeakRssKib()) {}

void AttachPhases::Done(absl::string_view phase) {
  const absl::Time now = absl::Now();
  const int64_t peak = PeakRssKib();
  phases_.push_back(
      absl::StrFormat("%s %.1f ms", phase, absl::ToDoubleMilliseconds(now - last_)));
  if (peak > peak_kib_ + 512) {
    absl::StrAppendFormat(&phases_.back(), " (+%d KiB peak)", peak - peak_kib_);
  }
  last_ = now;
  peak_kib_ = std::max(peak_kib_, peak);
}

std::string AttachPhases::Summary() const {
  return absl::StrFormat("attach took %.1f ms, peak memory %d KiB: %s",
                         absl::ToDoubleMilliseconds(last_ - start_), peak_kib_,
                         absl::StrJoin(phases_, ", "));
}

double CpuSeconds() {
  rusage usage = {};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace allocprof
