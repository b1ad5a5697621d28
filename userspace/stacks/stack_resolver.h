// Turns a StackOrigin into the addresses of its frames, leaf first, reading
// the BPF stack map once per stack id.
#ifndef ALLOCPROF_USERSPACE_STACKS_STACK_RESOLVER_H_
#define ALLOCPROF_USERSPACE_STACKS_STACK_RESOLVER_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "userspace/stacks/stack_table.h"

namespace allocprof {

// The frame that ends a stack BPF could not walk to its outermost frame (no
// CFI and no usable frame pointer, an unreadable stack, the depth limit);
// named "[truncated]".
inline constexpr uint64_t kTruncatedFrame = ~uint64_t{0};

struct ResolvedStack {
  std::vector<uint64_t> frames;  // leaf first, caller fix-up applied
  // The kernel could not give the stack (-stack_id: EEXIST for a stack map
  // collision, EFAULT, ENOMEM ...); `frames` then holds the caller at most.
  int lost_errno = 0;
};

class StackResolver {
 public:
  // `stack_map_fd` is the BPF_MAP_TYPE_STACK_TRACE map, `unwound_map_fd`
  // the stacks BPF walked with CFI (-1: none); not owned.
  explicit StackResolver(int stack_map_fd, int unwound_map_fd = -1)
      : stack_map_fd_(stack_map_fd), unwound_map_fd_(unwound_map_fd) {}

  ResolvedStack Resolve(const StackOrigin& origin);

  // The stack exactly as the kernel took it (no fix-up), leaf first; empty
  // if the id is unknown.
  const std::vector<uint64_t>& KernelFrames(int32_t stack_id);
  // A stack walked in BPF, leaf first, ending in kTruncatedFrame when the
  // walk stopped early; empty if the id is unknown.
  const std::vector<uint64_t>& UnwoundFrames(int32_t stack_id);
  // Either, as `unwound` says.
  const std::vector<uint64_t>& Frames(int32_t stack_id, bool unwound) {
    return unwound ? UnwoundFrames(stack_id) : KernelFrames(stack_id);
  }

 private:
  int stack_map_fd_;
  int unwound_map_fd_;
  absl::flat_hash_map<int32_t, std::vector<uint64_t>> kernel_frames_;
  absl::flat_hash_map<int32_t, std::vector<uint64_t>> unwound_frames_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_STACKS_STACK_RESOLVER_H_
