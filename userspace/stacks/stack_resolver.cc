#include "userspace/stacks/stack_resolver.h"

#include <bpf/bpf.h>

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
  out.frames = SpliceCaller(KernelFrames(origin.stack_id), origin.caller,
                            origin.caller2);
  return out;
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
