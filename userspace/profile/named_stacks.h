// Stacks with names: StackRef -> frames (leaf first) with function, module
// and offset. Each stack is resolved and symbolized once.
#ifndef ALLOCPROF_USERSPACE_PROFILE_NAMED_STACKS_H_
#define ALLOCPROF_USERSPACE_PROFILE_NAMED_STACKS_H_

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "userspace/stacks/stack_resolver.h"
#include "userspace/stacks/stack_table.h"
#include "userspace/symbols/symbolizer.h"

namespace allocprof {

struct NamedStack {
  std::vector<Frame> frames;  // leaf (the allocator function) first
  int lost_errno = 0;         // see ResolvedStack
};

class NamedStacks {
 public:
  NamedStacks(const StackTable& table, StackResolver& resolver,
              Symbolizer& symbolizer)
      : table_(table), resolver_(resolver), symbolizer_(symbolizer) {}

  const NamedStack& Name(StackRef ref);

 private:
  const StackTable& table_;
  StackResolver& resolver_;
  Symbolizer& symbolizer_;
  absl::flat_hash_map<StackRef, NamedStack> names_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PROFILE_NAMED_STACKS_H_
