// Flame graphs of in-use memory: one self-contained HTML or SVG file that a
// browser opens from disk, with no network. The call-path tree is embedded
// as compact JSON and drawn by an inline script, so the page stays quick
// with tens of thousands of deep stacks: click a frame to zoom into it,
// search names, hover for figures.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAMEGRAPH_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAMEGRAPH_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "userspace/profile/profile.h"

namespace allocprof {

struct FlameGraphOptions {
  Weight weight = Weight::kBytes;  // what a frame's width means (in-use bytes or objects)
  bool inverted = false;           // icicle: allocator at the top, callers below
  std::string title;               // empty: made from the profile (target, duration, totals)
};

enum class FlameGraphFormat { kHtml, kSvg };

// The format a file name asks for: .html or .htm, or .svg (any case).
// Anything else is an InvalidArgument error naming the accepted extensions.
absl::StatusOr<FlameGraphFormat> FlameGraphFormatOf(const std::string& path);

// The flame graph of `profile`: frame widths by options.weight, coloured by
// FrameKind. Stacks with nothing in use are left out; lost stacks sit under
// a "[stack lost]" frame. When profile.lossy() the page says that its
// figures are lower bounds and lists the losses. Fails when `out` does.
absl::Status WriteFlameGraph(std::ostream& out, FlameGraphFormat format,
                             const Profile& profile,
                             const FlameGraphOptions& options);

// Differential flame graph: widths by `now`, each frame coloured by how its
// in-use value grew (red) or shrank (blue) relative to `base`. Stacks are
// matched by frame names along the path (StackPath), so two runs of one
// program compare even when their libraries load at other addresses.
absl::Status WriteDiffFlameGraph(std::ostream& out, FlameGraphFormat format,
                                 const Profile& base, const Profile& now,
                                 const FlameGraphOptions& options);

// The above into the file at `path`, its format by the file name's
// extension (FlameGraphFormatOf).
absl::Status WriteFlameGraphFile(const std::string& path, const Profile& profile,
                                 const FlameGraphOptions& options);
absl::Status WriteDiffFlameGraphFile(const std::string& path, const Profile& base,
                                     const Profile& now,
                                     const FlameGraphOptions& options);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAMEGRAPH_H_
