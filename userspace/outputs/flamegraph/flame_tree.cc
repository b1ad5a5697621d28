#include "userspace/outputs/flamegraph/flame_tree.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_set.h"
#include "absl/strings/string_view.h"

namespace allocprof {
namespace {

FlameValue ValueOf(const ProfileStack& stack) {
  return {stack.values.inuse_bytes, stack.values.inuse_objects};
}

// A frame as the builder looks it up: views into the profiles being read
// (or into names the builder made), so that the two million frames of a
// large profile are hashed where they lie and only new frames are copied.
struct FrameKey {
  absl::string_view name;
  absl::string_view module;
  FrameKind kind;

  bool operator==(const FrameKey& other) const {
    return name == other.name && module == other.module && kind == other.kind;
  }
  template <typename H>
  friend H AbslHashValue(H h, const FrameKey& key) {
    return H::combine(std::move(h), key.name, key.module, key.kind);
  }
};

class TreeBuilder {
 public:
  // `by_name`: siblings merge by name alone (differential trees).
  TreeBuilder(Weight weight, bool inverted, bool by_name) : by_name_(by_name) {
    tree_.weight = weight;
    tree_.inverted = inverted;
    tree_.frames.push_back({kFlameRootName, "", FrameKind::kUnknown});
    tree_.nodes.emplace_back();
  }

  void Add(const ProfileStack& stack) {
    uint32_t node = 0;
    ForEachFrame(stack, [&](const FrameKey& frame) {
      node = ChildOf(node, frame);
      return true;
    });
    tree_.nodes[node].self += ValueOf(stack);
  }

  // Adds a base stack at the deepest node its names lead to; the part of the
  // path that `now` does not have is gone, so its value stays with the last
  // frame both share (at worst the root).
  void Match(const ProfileStack& stack) {
    uint32_t node = 0;
    ForEachFrame(stack, [&](const FrameKey& frame) {
      auto name = name_ids_.find(frame.name);
      if (name == name_ids_.end()) return false;
      auto child = children_.find(EdgeKey(node, name->second));
      if (child == children_.end()) return false;
      node = child->second;
      return true;
    });
    tree_.nodes[node].base_self += ValueOf(stack);
  }

  FlameTree Finish(bool diff) && {
    tree_.diff = diff;
    std::vector<FlameNode>& nodes = tree_.nodes;
    for (FlameNode& node : nodes) {
      node.total = node.self;
      node.base_total = node.base_self;
    }
    // Children come after their parents, so one backward pass sums a
    // subtree into its root.
    for (size_t i = nodes.size(); i-- > 1;) {
      nodes[nodes[i].parent].total += nodes[i].total;
      nodes[nodes[i].parent].base_total += nodes[i].base_total;
    }
    const Weight weight = tree_.weight;
    const std::vector<FlameFrame>& frames = tree_.frames;
    for (FlameNode& node : nodes) {
      std::sort(node.children.begin(), node.children.end(),
                [&](uint32_t a, uint32_t b) {
                  int64_t va = nodes[a].total.Of(weight);
                  int64_t vb = nodes[b].total.Of(weight);
                  if (va != vb) return va > vb;
                  const FlameFrame& fa = frames[nodes[a].frame];
                  const FlameFrame& fb = frames[nodes[b].frame];
                  if (fa.name != fb.name) return fa.name < fb.name;
                  return fa.module < fb.module;
                });
    }
    return std::move(tree_);
  }

 private:
  static uint64_t EdgeKey(uint32_t parent, uint32_t key) {
    return (static_cast<uint64_t>(parent) << 32) | key;
  }

  // Calls visit(frame) for each frame of `stack` in drawing order (outermost
  // caller first, or the allocator first when inverted) until it returns
  // false. A lost stack hangs under "[stack lost]" so that it is never
  // mistaken for a complete path.
  template <typename Visit>
  void ForEachFrame(const ProfileStack& stack, Visit visit) {
    const FrameKey lost = {kLostStackName, "", FrameKind::kUnknown};
    if (tree_.inverted) {
      for (const ProfileFrame& frame : stack.frames) {
        if (!visit(KeyOf(frame))) return;
      }
      if (stack.lost) visit(lost);
      return;
    }
    if (stack.lost && !visit(lost)) return;
    for (auto it = stack.frames.rbegin(); it != stack.frames.rend(); ++it) {
      if (!visit(KeyOf(*it))) return;
    }
  }

  FrameKey KeyOf(const ProfileFrame& frame) {
    // NameWithLine() is the function whenever that is known and its line
    // is not, so only frames without a symbol or with a line need a name
    // made (and kept, for the views).
    absl::string_view name = frame.function;
    if (name.empty() || frame.line != 0) {
      name = *made_names_.insert(frame.NameWithLine()).first;
    }
    return {name, frame.module, frame.kind};
  }

  uint32_t ChildOf(uint32_t parent, const FrameKey& frame) {
    uint32_t key = by_name_ ? NameId(frame.name) : FrameId(frame);
    auto [it, inserted] = children_.try_emplace(EdgeKey(parent, key), tree_.nodes.size());
    if (inserted) {
      FlameNode node;
      node.frame = by_name_ ? FrameId(frame) : key;
      node.parent = parent;
      tree_.nodes.push_back(std::move(node));
      tree_.nodes[parent].children.push_back(it->second);
    }
    return it->second;
  }

  uint32_t NameId(absl::string_view name) {
    return name_ids_.try_emplace(name, name_ids_.size()).first->second;
  }

  uint32_t FrameId(const FrameKey& frame) {
    auto [it, inserted] = frame_ids_.try_emplace(frame, tree_.frames.size());
    if (inserted) {
      tree_.frames.push_back(
          {std::string(frame.name), std::string(frame.module), frame.kind});
    }
    return it->second;
  }

  bool by_name_;
  FlameTree tree_;
  // Keys view the profiles' strings, made_names_ (node-based, so its
  // strings stay put) and the constants above; all outlive the builder.
  absl::node_hash_set<std::string> made_names_;
  absl::flat_hash_map<FrameKey, uint32_t> frame_ids_;
  absl::flat_hash_map<absl::string_view, uint32_t> name_ids_;
  // (parent node, frame id or name id) -> child node
  absl::flat_hash_map<uint64_t, uint32_t> children_;
};

}  // namespace

FlameTree BuildFlameTree(const Profile& profile, Weight weight, bool inverted) {
  TreeBuilder builder(weight, inverted, /*by_name=*/false);
  for (const ProfileStack& stack : profile.stacks) {
    if (InuseValue(stack.values, weight) > 0) builder.Add(stack);
  }
  return std::move(builder).Finish(/*diff=*/false);
}

FlameTree BuildDiffFlameTree(const Profile& base, const Profile& now,
                             Weight weight, bool inverted) {
  TreeBuilder builder(weight, inverted, /*by_name=*/true);
  for (const ProfileStack& stack : now.stacks) {
    if (InuseValue(stack.values, weight) > 0) builder.Add(stack);
  }
  for (const ProfileStack& stack : base.stacks) {
    if (InuseValue(stack.values, weight) > 0) builder.Match(stack);
  }
  return std::move(builder).Finish(/*diff=*/true);
}

}  // namespace allocprof
