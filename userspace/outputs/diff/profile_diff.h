// Two profiles of one program compared stack by stack: which call paths
// hold more memory now than before. Stacks are matched by StackPath(), the
// names of their frames, because addresses differ between runs (ASLR, a
// rebuilt binary) while the names of the code do not.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_DIFF_PROFILE_DIFF_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_DIFF_PROFILE_DIFF_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "userspace/profile/profile.h"

namespace allocprof {

// One stack path's in-use bytes in the base and the new profile. Stacks of
// one profile that share a path (two call sites in one function) are summed.
struct StackChange {
  std::string path;        // StackPath(): outermost caller first, ';'-joined
  int64_t base_bytes = 0;  // in-use bytes in the base profile
  int64_t new_bytes = 0;   // in-use bytes in the new profile
  bool in_base = false;    // the base profile has a stack with this path
  bool in_new = false;     // the new profile has one

  int64_t growth_bytes() const { return new_bytes - base_bytes; }
  // A stack the base profile does not have: no percentage to give.
  bool is_new() const { return !in_base; }
  // growth_bytes() in per cent of base_bytes; nullopt when base_bytes is 0
  // (a new stack, or one that held nothing in the base profile).
  std::optional<double> growth_percent() const;
};

// Every stack path of either profile, by growth in bytes, largest first
// (ties by path, so the order is stable): grown and new stacks, then the
// unchanged, then the shrunk and the vanished (new_bytes 0, !in_new).
std::vector<StackChange> CompareStacks(const Profile& base, const Profile& now);

// The at most `n` stacks that grew most: CompareStacks' entries with
// growth_bytes() > 0.
std::vector<StackChange> GrewMost(const Profile& base, const Profile& now,
                                  size_t n);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_DIFF_PROFILE_DIFF_H_
