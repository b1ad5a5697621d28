// The options every command shares: how many stacks the printed report
// shows and the files the profile is written to. Defined here once for
// `allocprof`, `allocprof report` and `allocprof diff`.
#ifndef ALLOCPROF_TOOLS_OUTPUT_FLAGS_H_
#define ALLOCPROF_TOOLS_OUTPUT_FLAGS_H_

#include "absl/status/status.h"
#include "tools/command_line.h"
#include "userspace/outputs/output_files.h"

namespace allocprof {

inline constexpr int kDefaultTop = 10;

// --top N: stacks shown in the report, 1 or more.
void AddTopFlag(FlagSet* flags, int* top);

// Which of the output files a command writes.
enum class OutputFlags {
  kAll,         // --folded, --flamegraph, --pprof, --json of one profile
  kFlameGraph,  // --flamegraph only: a differential one
};

// The output options into `files`: the files `which` names, and --weight
// and --inverted for the flame graph (and folded stacks). A flame graph's
// file name must say .html, .htm or .svg.
void AddOutputFlags(FlagSet* flags, OutputFiles* files, OutputFlags which);

// --weight and --inverted shape an output: named without one they apply
// to, they are misuse. After flags->Parse.
absl::Status CheckOutputFlags(const FlagSet& flags, OutputFlags which);

}  // namespace allocprof

#endif  // ALLOCPROF_TOOLS_OUTPUT_FLAGS_H_
