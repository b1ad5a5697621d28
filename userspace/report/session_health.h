// What a session lost or could not see, so that no figure is silently low.
#ifndef ALLOCPROF_USERSPACE_REPORT_SESSION_HEALTH_H_
#define ALLOCPROF_USERSPACE_REPORT_SESSION_HEALTH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "bpf/events.h"

namespace allocprof {

struct SessionHealth {
  uint64_t drops[AP_CNT_COUNT] = {};  // BPF drop counters (AP_CNT_*)
  uint64_t malformed_records = 0;

  // Anything here means some allocation or stack was not seen.
  bool lossy() const;
  // "12 events (ring buffer full), 3 stacks (stack map collision)", or empty.
  std::string LossSummary() const;
  // Benign facts: calls already under way when tracing began.
  std::string NoteSummary() const;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_REPORT_SESSION_HEALTH_H_
