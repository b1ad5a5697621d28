// Interns the identity of a stack as BPF reported it -- a stack map id plus
// the recovered caller -- into a small StackRef the aggregator can key on.
#ifndef ALLOCPROF_USERSPACE_STACKS_STACK_TABLE_H_
#define ALLOCPROF_USERSPACE_STACKS_STACK_TABLE_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "userspace/aggregate/usage.h"

namespace allocprof {

// A stack before resolution. Two allocations from different call sites in
// one function share a stack id (the kernel's walk misses that function's
// own return address) and differ only in `caller`, so both are the key.
struct StackOrigin {
  int32_t stack_id = 0;  // id in the stacks map, or -errno of a failed capture
  uint64_t caller = 0;   // return address into the probed function's caller; 0: unknown
  uint64_t caller2 = 0;  // the caller's own return address, when recovered (see SpliceCaller)
  // stack_id names a stack BPF walked with CFI (AP_F_UNWOUND): complete as
  // it is, callers included.
  bool unwound = false;

  template <typename H>
  friend H AbslHashValue(H h, const StackOrigin& o) {
    return H::combine(std::move(h), o.stack_id, o.caller, o.caller2, o.unwound);
  }
  friend bool operator==(const StackOrigin& a, const StackOrigin& b) {
    return a.stack_id == b.stack_id && a.caller == b.caller &&
           a.caller2 == b.caller2 && a.unwound == b.unwound;
  }
};

class StackTable {
 public:
  StackRef Intern(const StackOrigin& origin);
  const StackOrigin& origin(StackRef ref) const { return origins_[ref]; }
  size_t size() const { return origins_.size(); }

 private:
  absl::flat_hash_map<StackOrigin, StackRef> refs_;
  std::vector<StackOrigin> origins_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_STACKS_STACK_TABLE_H_
