#include "userspace/outputs/diff/profile_diff.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace allocprof {

std::optional<double> StackChange::growth_percent() const {
  if (base_bytes <= 0) return std::nullopt;
  return 100.0 * static_cast<double>(growth_bytes()) /
         static_cast<double>(base_bytes);
}

std::vector<StackChange> CompareStacks(const Profile& base, const Profile& now) {
  std::vector<StackChange> changes;
  absl::flat_hash_map<std::string, size_t> index;  // path -> changes[i]
  auto entry = [&](const ProfileStack& stack) -> StackChange& {
    std::string path = StackPath(stack);
    auto [it, inserted] = index.try_emplace(path, changes.size());
    if (inserted) {
      changes.emplace_back();
      changes.back().path = std::move(path);
    }
    return changes[it->second];
  };
  for (const ProfileStack& stack : base.stacks) {
    StackChange& change = entry(stack);
    change.in_base = true;
    change.base_bytes += stack.values.inuse_bytes;
  }
  for (const ProfileStack& stack : now.stacks) {
    StackChange& change = entry(stack);
    change.in_new = true;
    change.new_bytes += stack.values.inuse_bytes;
  }
  std::sort(changes.begin(), changes.end(),
            [](const StackChange& a, const StackChange& b) {
              if (a.growth_bytes() != b.growth_bytes()) {
                return a.growth_bytes() > b.growth_bytes();
              }
              return a.path < b.path;
            });
  return changes;
}

std::vector<StackChange> GrewMost(const Profile& base, const Profile& now,
                                  size_t n) {
  std::vector<StackChange> changes = CompareStacks(base, now);
  size_t grew = 0;
  while (grew < changes.size() && grew < n && changes[grew].growth_bytes() > 0) {
    ++grew;
  }
  changes.resize(grew);
  return changes;
}

}  // namespace allocprof
