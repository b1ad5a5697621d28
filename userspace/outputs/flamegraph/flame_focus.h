// Where a flame graph's eye goes first: the frame the page opens with
// highlighted, as a search for its name would, so that the reader starts
// from the program's own code that holds the memory.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_FOCUS_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_FOCUS_H_

#include <string>

#include "userspace/profile/profile.h"

namespace allocprof {

// The name (as the flame graph names frames: ProfileFrame::NameWithLine)
// of the program's own frame (own_code.h) of the stack the report puts
// first: its top leak suspect, else the stack that holds the most by
// `weight`. "" when that stack has no such frame or nothing is in use: the
// page then opens with nothing highlighted.
std::string DefaultFocus(const Profile& profile, Weight weight);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_FOCUS_H_
