// The files a profile is written to, as chosen on the command line.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_OUTPUT_FILES_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_OUTPUT_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "userspace/profile/profile.h"

namespace allocprof {

struct OutputFiles {
  std::string folded;      // folded stacks
  std::string flamegraph;  // .html or .svg
  std::string pprof;       // gzipped profile.proto
  std::string json;        // docs/json-schema.md
  Weight weight = Weight::kBytes;  // folded values and flame graph widths
  bool inverted = false;           // icicle flame graph
};

// Checks every named file as ReplaceFile will (replace_file.h) -- its
// directory exists and is writable, the destination is no directory,
// device or other user's file in /tmp -- and the flame graph's extension,
// so that a path that cannot be written fails before a long session rather
// than after it. Writes nothing.
absl::Status PrepareOutputFiles(const OutputFiles& files);

// Writes `profile` to every named file, each replaced whole (ReplaceFile).
absl::Status WriteOutputFiles(const Profile& profile, const OutputFiles& files);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_OUTPUT_FILES_H_
