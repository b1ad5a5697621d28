// Makes the Profile of a live session: names the aggregator's stacks, tells
// what kind of code each frame is, and gathers the session's facts.
#ifndef ALLOCPROF_USERSPACE_PROFILE_PROFILE_BUILDER_H_
#define ALLOCPROF_USERSPACE_PROFILE_PROFILE_BUILDER_H_

#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "userspace/aggregate/aggregator.h"
#include "userspace/profile/named_stacks.h"
#include "userspace/profile/profile.h"
#include "userspace/symbols/symbolizer.h"

namespace allocprof {

class ProfileBuilder {
 public:
  // `program_path` is the target's executable as it sees it (its frames are
  // FrameKind::kProgram).
  ProfileBuilder(NamedStacks& names, Symbolizer& symbolizer,
                 std::string program_path)
      : names_(names),
        symbolizer_(symbolizer),
        program_path_(std::move(program_path)) {}

  // Adds what the aggregator does not know to a stack (see
  // evidence/session_evidence.h); runs before stacks are sorted, so it may
  // change in-use values.
  using Annotate = std::function<void(StackRef, ProfileStack&)>;

  // The stacks of `aggregator` (every one that allocated or holds memory),
  // largest in-use bytes first, with mappings. Session facts (target,
  // times, losses, notes, intervals) are the caller's to fill in.
  Profile Build(const Aggregator& aggregator,
                const Annotate& annotate = nullptr);

 private:
  ProfileStack MakeStack(StackRef ref);
  FrameKind KindOf(const Frame& frame, bool leaf) const;
  std::vector<ProfileMapping> Mappings();

  NamedStacks& names_;
  Symbolizer& symbolizer_;
  std::string program_path_;
  absl::flat_hash_map<std::string, std::string> build_ids_;  // by ELF path
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PROFILE_PROFILE_BUILDER_H_
