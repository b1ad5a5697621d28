#include "userspace/stacks/stack_table.h"

namespace allocprof {

StackRef StackTable::Intern(const StackOrigin& origin) {
  auto [it, inserted] =
      refs_.try_emplace(origin, static_cast<StackRef>(origins_.size()));
  if (inserted) origins_.push_back(origin);
  return it->second;
}

}  // namespace allocprof
