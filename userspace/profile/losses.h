// What a session lost or could not see, by name, so that no figure is
// silently low.
#ifndef ALLOCPROF_USERSPACE_PROFILE_LOSSES_H_
#define ALLOCPROF_USERSPACE_PROFILE_LOSSES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "userspace/aggregate/usage.h"
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

// A note when the target ran execve() during the session (Totals::execs):
// the figures are the program it runs now, and what the programs before
// held went with their address space. `session_start_ns` is the session's
// start on the events' clock (CLOCK_MONOTONIC). "" when it did not.
std::string ExecNote(const Totals& totals, uint64_t session_start_ns);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PROFILE_LOSSES_H_
