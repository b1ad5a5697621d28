#include "userspace/stacks/caller_fixup.h"

namespace allocprof {

std::vector<uint64_t> SpliceCaller(absl::Span<const uint64_t> kernel_frames,
                                   uint64_t caller) {
  std::vector<uint64_t> frames(kernel_frames.begin(), kernel_frames.end());
  if (caller == 0) return frames;
  if (frames.size() >= 2 && frames[1] == caller) return frames;
  frames.insert(frames.begin() + (frames.empty() ? 0 : 1), caller);
  return frames;
}

}  // namespace allocprof
