#include "userspace/stacks/caller_fixup.h"

namespace allocprof {

std::vector<uint64_t> SpliceCaller(absl::Span<const uint64_t> kernel_frames,
                                   uint64_t caller, uint64_t caller2) {
  std::vector<uint64_t> frames(kernel_frames.begin(), kernel_frames.end());
  if (caller == 0) return frames;
  size_t at = frames.empty() ? 0 : 1;
  for (uint64_t recovered : {caller, caller2}) {
    if (recovered == 0) break;
    // Already there: the kernel's walk found it.
    if (at < frames.size() && frames[at] == recovered) {
      ++at;
      continue;
    }
    frames.insert(frames.begin() + at, recovered);
    ++at;
  }
  return frames;
}

}  // namespace allocprof
