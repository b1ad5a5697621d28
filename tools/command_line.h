// Checks the command line before absl parses it, so that a misused option
// gets allocprof's own one-line error and exit code 2 (absl's parser prints
// "ERROR: ..." and exits 1).
#ifndef ALLOCPROF_TOOLS_COMMAND_LINE_H_
#define ALLOCPROF_TOOLS_COMMAND_LINE_H_

#include <string>

namespace allocprof {

// The first problem absl's parser would stop at -- an unknown option, a
// missing or unparsable value -- as a sentence, or "" when there is none.
// Arguments after "--" belong to the command and are not looked at.
std::string FindCommandLineError(int argc, char** argv);

}  // namespace allocprof

#endif  // ALLOCPROF_TOOLS_COMMAND_LINE_H_
