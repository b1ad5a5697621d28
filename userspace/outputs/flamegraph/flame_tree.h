// The prefix tree of call paths that a flame graph draws: one node per
// distinct path from the outermost caller (or from the allocator, inverted),
// with the in-use values of the stacks that end there and below.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_TREE_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_TREE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "userspace/profile/profile.h"

namespace allocprof {

inline constexpr char kFlameRootName[] = "all";
inline constexpr char kLostStackName[] = "[stack lost]";

// In-use bytes and objects together: a picture drawn by one still shows
// the other in its tooltips.
struct FlameValue {
  int64_t bytes = 0;
  int64_t objects = 0;

  int64_t Of(Weight weight) const {
    return weight == Weight::kBytes ? bytes : objects;
  }
  FlameValue& operator+=(const FlameValue& other) {
    bytes += other.bytes;
    objects += other.objects;
    return *this;
  }
};

struct FlameFrame {
  std::string name;    // ProfileFrame::DisplayName(), or one of the names above
  std::string module;  // "" when unknown
  FrameKind kind = FrameKind::kUnknown;
};

struct FlameNode {
  uint32_t frame = 0;   // index into FlameTree::frames
  uint32_t parent = 0;  // the root is its own parent
  FlameValue self;      // of the stacks whose path ends here
  FlameValue total;     // self plus everything below
  // Differential trees only: the same for the base profile's stacks, each
  // counted at the deepest node its path matches.
  FlameValue base_self;
  FlameValue base_total;
  std::vector<uint32_t> children;  // widest first, then by name
};

struct FlameTree {
  Weight weight = Weight::kBytes;
  bool inverted = false;
  bool diff = false;
  std::vector<FlameFrame> frames;  // distinct frames; frames[0] is the root's
  std::vector<FlameNode> nodes;    // nodes[0] is the root, kFlameRootName;
                                   // parents come before their children
};

// Stacks with a positive InuseValue(weight) only. Sibling frames merge when
// name, module and kind are equal.
FlameTree BuildFlameTree(const Profile& profile, Weight weight, bool inverted);

// The tree of `now`, with each `base` stack added to the base values of the
// deepest node whose path matches it by frame names. Siblings merge by name
// alone (the module of the first one seen is kept), which is how the two
// profiles are matched: the same code may live at another path.
FlameTree BuildDiffFlameTree(const Profile& base, const Profile& now,
                             Weight weight, bool inverted);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_TREE_H_
