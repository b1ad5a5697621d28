// Folded stacks: "root;...;leaf VALUE" a line, the input of flamegraph.pl,
// inferno and speedscope.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_FOLDED_FOLDED_WRITER_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_FOLDED_FOLDED_WRITER_H_

#include <ostream>

#include "userspace/profile/profile.h"

namespace allocprof {

// One line per distinct StackPath with its in-use value (stacks whose names
// coincide, such as two call sites in one function, are summed), largest
// first; stacks with nothing in use are left out.
void WriteFolded(std::ostream& out, const Profile& profile, Weight weight);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_FOLDED_FOLDED_WRITER_H_
