// The words above a flame graph: what was profiled, for how long, the
// totals, and whether anything was lost on the way.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_HEADING_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_HEADING_H_

#include <string>
#include <vector>

#include "userspace/profile/profile.h"

namespace allocprof {

struct FlameHeading {
  std::string title;
  std::vector<std::string> facts;     // one line each, under the title
  // One line per lossy profile, shown as a warning: its figures are lower
  // bounds, and what was lost. Empty when nothing was.
  std::vector<std::string> warnings;
  // The name of the frame the page opens with highlighted (DefaultFocus);
  // "" for none.
  std::string focus;
};

// `title` replaces the generated title; the facts and warnings stay.
FlameHeading HeadingOf(const Profile& profile, Weight weight,
                       const std::string& title);
FlameHeading DiffHeadingOf(const Profile& base, const Profile& now,
                           Weight weight, const std::string& title);

// "512 B", "1.5 MiB": short enough for a heading.
std::string ShortBytes(int64_t bytes);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_HEADING_H_
