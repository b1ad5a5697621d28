#include "userspace/stacks/stack_resolver.h"

#include <bpf/bpf.h>

#include <algorithm>

#include "bpf/events.h"
#include "userspace/stacks/caller_fixup.h"

namespace allocprof {

ResolvedStack StackResolver::Resolve(const StackOrigin& origin) {
  ResolvedStack out;
  if (origin.stack_id < 0) {
    out.lost_errno = -origin.stack_id;
    if (origin.caller != 0) out.frames.push_back(origin.caller);
    if (origin.caller2 != 0) out.frames.push_back(origin.caller2);
    return out;
  }
  if (origin.unwound) {
    // The walk started at the probe's registers, so the caller the
    // frame-pointer walk misses is already frame 1.
    out.frames = UnwoundFrames(origin.stack_id);
    return out;
  }
  out.frames = SpliceCaller(KernelFrames(origin.stack_id), origin.caller,
                            origin.caller2);
  return out;
}

// Like the stack map, entries stay for the session: read once.
const std::vector<uint64_t>& StackResolver::UnwoundFrames(int32_t stack_id) {
  auto [it, inserted] = unwound_frames_.try_emplace(stack_id);
  if (!inserted || unwound_map_fd_ < 0) return it->second;
  ap_unwound_stack stack = {};
  uint32_t key = static_cast<uint32_t>(stack_id);
  if (bpf_map_lookup_elem(unwound_map_fd_, &key, &stack) == 0) {
    const uint32_t n = std::min<uint32_t>(stack.len, AP_MAX_STACK_DEPTH);
    it->second.assign(stack.ips, stack.ips + n);
    if (stack.flags & AP_STACK_TRUNCATED) it->second.push_back(kTruncatedFrame);
  }
  return it->second;
}

// Entries are never deleted from the map during a session, so an id read
// once stays valid and is cached.
const std::vector<uint64_t>& StackResolver::KernelFrames(int32_t stack_id) {
  auto [it, inserted] = kernel_frames_.try_emplace(stack_id);
  if (!inserted) return it->second;
  uint64_t ips[AP_MAX_STACK_DEPTH] = {};
  uint32_t key = static_cast<uint32_t>(stack_id);
  if (bpf_map_lookup_elem(stack_map_fd_, &key, ips) == 0) {
    for (uint64_t ip : ips) {
      if (ip == 0) break;
      it->second.push_back(ip);
    }
  }
  return it->second;
}

}  // namespace allocprof
