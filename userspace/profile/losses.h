// What a session lost or could not see, by name, so that no figure is
// silently low.
#ifndef ALLOCPROF_USERSPACE_PROFILE_LOSSES_H_
#define ALLOCPROF_USERSPACE_PROFILE_LOSSES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// The BPF drop counters (AP_CNT_*, bpf/events.h) that mean lost data, named
// ("events (ring buffer full)"), plus records userspace could not decode.
// Empty when nothing was lost.
std::vector<LossCount> NameLosses(absl::Span<const uint64_t> drops,
                                  uint64_t malformed_records);

// Benign facts among the counters (calls already under way when tracing
// began), as report notes; empty when there are none.
std::vector<std::string> DropNotes(absl::Span<const uint64_t> drops);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PROFILE_LOSSES_H_
