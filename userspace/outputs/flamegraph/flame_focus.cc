#include "userspace/outputs/flamegraph/flame_focus.h"

#include <optional>
#include <vector>

#include "userspace/evidence/growth_score.h"
#include "userspace/profile/own_code.h"

namespace allocprof {
namespace {

// The stack the report names first; null when nothing is in use.
const ProfileStack* FirstStack(const Profile& profile, Weight weight) {
  const std::vector<LeakSuspect> suspects = LeakSuspects(profile);
  if (!suspects.empty()) return &profile.stacks[suspects.front().stack];
  const ProfileStack* widest = nullptr;
  for (const ProfileStack& stack : profile.stacks) {
    if (InuseValue(stack.values, weight) > 0 &&
        (widest == nullptr || InuseValue(stack.values, weight) > InuseValue(widest->values, weight))) {
      widest = &stack;
    }
  }
  return widest;
}

}  // namespace

std::string DefaultFocus(const Profile& profile, Weight weight) {
  const ProfileStack* stack = FirstStack(profile, weight);
  if (stack == nullptr) return "";
  const std::optional<size_t> own = FirstOwnFrame(*stack);
  return own ? stack->frames[*own].NameWithLine() : "";
}

}  // namespace allocprof
