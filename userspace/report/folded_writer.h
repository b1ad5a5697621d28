// Folded stacks: "root;...;leaf VALUE" a line, the input of flamegraph.pl,
// inferno and speedscope.
#ifndef ALLOCPROF_USERSPACE_REPORT_FOLDED_WRITER_H_
#define ALLOCPROF_USERSPACE_REPORT_FOLDED_WRITER_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "userspace/aggregate/usage.h"
#include "userspace/report/named_stacks.h"

namespace allocprof {

// A frame name made safe for the format: ';' separates frames and the line
// ends the stack, so both become '_' inside a name; never empty.
std::string FoldedFrameName(const std::string& name);

// One line per distinct stack text with its outstanding bytes (stacks whose
// names coincide, such as two call sites in one function, are summed),
// largest first; stacks with no outstanding bytes are left out.
void WriteFolded(std::ostream& out,
                 const std::vector<std::pair<StackRef, Usage>>& stacks,
                 StackNames& names);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_REPORT_FOLDED_WRITER_H_
