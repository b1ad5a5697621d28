// The BPF cookie of a probed function (bpf/events.h): what the one entry
// program serving every allocator function needs to know of this one.
#ifndef ALLOCPROF_USERSPACE_ATTACH_PROBE_COOKIE_H_
#define ALLOCPROF_USERSPACE_ATTACH_PROBE_COOKIE_H_

#include <cstdint>

#include "userspace/attach/allocator_discovery.h"

namespace allocprof {

// `f`'s probe id, family and kind, and the registers that hold its size,
// count, block and out-pointer arguments where its probe sits: each
// argument's own at the entry, a copy of it where the site says so
// (ProbeSite::arg_reg).
uint64_t ProbeCookie(const ProbedFunction& f);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_PROBE_COOKIE_H_
