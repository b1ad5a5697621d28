// The comparison of two profiles as text a person reads: the change in
// outstanding bytes and the stacks that grew most, each with its frames.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_DIFF_DIFF_REPORT_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_DIFF_DIFF_REPORT_H_

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "userspace/outputs/diff/profile_diff.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// How a stack changed, after its growth in bytes: "+25.0%", "-50.0%",
// "new", "gone" (vanished from the new profile), or "from 0 B" (it held
// nothing in the base profile).
std::string DescribeChange(const StackChange& change);

// Each change as "#1  +4096 B (4.0 KiB), new: 0 B -> 4096 B (4.0 KiB)"
// followed by its frames, leaf first, one a line.
void WriteStackChanges(std::ostream& out,
                       const std::vector<StackChange>& changes);

// Both profiles' targets and outstanding totals, a warning when either
// lost data (the comparison is then of lower bounds), and WriteStackChanges
// of GrewMost(base, now, top).
void WriteDiffReport(std::ostream& out, const Profile& base, const Profile& now,
                     size_t top);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_DIFF_DIFF_REPORT_H_
