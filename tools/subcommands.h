// `allocprof report` and `allocprof diff`: saved profiles (JSON or pprof)
// shown again, drawn, or compared, on any machine. They read files only:
// no root, no BPF.
//
//   allocprof report PROFILE [--top N] [--folded FILE] [--flamegraph FILE]
//                    [--pprof FILE] [--json FILE] [--weight bytes|objects]
//                    [--inverted]
//   allocprof diff BASE NEW [--top N] [--flamegraph FILE]
//                  [--weight bytes|objects] [--inverted]
//
// Their options are the live command's (tools/output_flags.h), parsed the
// same way (tools/command_line.h).
#ifndef ALLOCPROF_TOOLS_SUBCOMMANDS_H_
#define ALLOCPROF_TOOLS_SUBCOMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

namespace allocprof {

// Each takes the arguments after its name (argv[2] on) and returns the
// process's exit code: 0 done, 1 a file could not be read or written, 2 the
// command line is wrong. Errors are one line on `err`, "allocprof: ...";
// the report goes to `out`. --help prints the usage to `out`, exit 0.

// The text report of PROFILE, and optionally every file the live command
// writes: folded stacks, flame graph (.html or .svg, by --weight,
// --inverted for an icicle graph), pprof and JSON.
int RunReportCommand(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err);

// The stacks that grew most from BASE to NEW by in-use bytes, and
// optionally the differential flame graph (by --weight, --inverted).
int RunDiffCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err);

// The above on std::cout and std::cerr.
int RunReportCommand(const std::vector<std::string>& args);
int RunDiffCommand(const std::vector<std::string>& args);

}  // namespace allocprof

#endif  // ALLOCPROF_TOOLS_SUBCOMMANDS_H_
