// Helpers for the flame graph tests: made-up profiles, finding a node by
// its path, and reading the page data back into a tree.
#ifndef ALLOCPROF_TESTS_UNIT_OUTPUTS_FLAMEGRAPH_FLAME_TEST_UTIL_H_
#define ALLOCPROF_TESTS_UNIT_OUTPUTS_FLAMEGRAPH_FLAME_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/unit/profile/profile_test_util.h"
#include "userspace/outputs/flamegraph/flame_tree.h"

namespace allocprof {

// main -> handle -> leak_big -> malloc   3000 B in 3 objects
// main -> handle -> parse -> malloc      1000 B in 1 object
// main -> init -> calloc                  500 B in 5 objects
// main -> freed -> malloc                 nothing in use: left out
inline Profile ThreeLeaks() {
  Profile p;
  p.target = "PID 42 (app)";
  p.duration_ns = 2'500'000'000;
  p.events = 17;
  p.stacks = {HeapStack({"malloc", "leak_big", "handle", "main"}, 3000, 3),
              HeapStack({"malloc", "parse", "handle", "main"}, 1000, 1),
              HeapStack({"calloc", "init", "main"}, 500, 5),
              HeapStack({"malloc", "freed", "main"}, 0, 0)};
  p.totals.outstanding.bytes[0] = 4500;
  p.totals.outstanding.objects[0] = 9;
  p.totals.alloc_bytes = 6000;
  p.totals.alloc_objects = 12;
  p.totals.freed_bytes = 1500;
  p.totals.freed_objects = 3;
  return p;
}

// The node reached from the root by frame names, root not included; null
// when there is none.
inline const FlameNode* FindNode(const FlameTree& tree,
                                 const std::vector<std::string>& path) {
  uint32_t node = 0;
  for (const std::string& name : path) {
    bool found = false;
    for (uint32_t child : tree.nodes[node].children) {
      if (tree.frames[tree.nodes[child].frame].name == name) {
        node = child;
        found = true;
        break;
      }
    }
    if (!found) return nullptr;
  }
  return &tree.nodes[node];
}

// The page data read back as the page script reads it (flame_data.h).
struct DecodedNode {
  std::string name;
  std::string module;
  std::string kind;
  int64_t self_bytes = 0, self_objects = 0;
  int64_t base_self_bytes = 0, base_self_objects = 0;
  int64_t total_bytes = 0, total_objects = 0;
  std::vector<DecodedNode> children;
};

// The numbers of "nodes", as flame_data.h describes them.
inline std::vector<uint64_t> DecodeNumbers(const std::string& code) {
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::vector<uint64_t> numbers;
  uint64_t value = 0;
  int shift = 0;
  for (char c : code) {
    size_t digit = alphabet.find(c);
    EXPECT_NE(digit, std::string::npos) << "not a digit: " << c;
    value |= static_cast<uint64_t>(digit & 31) << shift;
    shift += 5;
    if (!(digit & 32)) {
      numbers.push_back(value);
      value = 0;
      shift = 0;
    }
  }
  EXPECT_EQ(shift, 0) << "the last number is cut short";
  return numbers;
}

inline int64_t Unzigzag(uint64_t z) {
  return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
}

inline DecodedNode DecodeNodes(const nlohmann::json& data) {
  const auto& strings = data.at("strings");
  const auto& frames = data.at("frames");
  const auto& kinds = data.at("kinds");
  const std::vector<uint64_t> code = DecodeNumbers(data.at("nodes").get<std::string>());
  const bool diff = data.at("diff").get<bool>();
  size_t pos = 0;
  // Recursion is fine here: test trees are shallow.
  std::function<DecodedNode()> read = [&]() {
    DecodedNode node;
    uint64_t v = code.at(pos++);
    uint64_t frame = v / 2;
    uint64_t children = 1;
    if (v % 2 == 1) {
      children = code.at(pos++);
      node.self_bytes = Unzigzag(code.at(pos++));
      node.self_objects = Unzigzag(code.at(pos++));
      if (diff) {
        node.base_self_bytes = Unzigzag(code.at(pos++));
        node.base_self_objects = Unzigzag(code.at(pos++));
      }
    }
    node.name = strings.at(frames.at(3 * frame).get<size_t>()).get<std::string>();
    node.module = strings.at(frames.at(3 * frame + 1).get<size_t>()).get<std::string>();
    node.kind = kinds.at(frames.at(3 * frame + 2).get<size_t>()).get<std::string>();
    node.total_bytes = node.self_bytes;
    node.total_objects = node.self_objects;
    for (uint64_t c = 0; c < children; ++c) {
      node.children.push_back(read());
      node.total_bytes += node.children.back().total_bytes;
      node.total_objects += node.children.back().total_objects;
    }
    return node;
  };
  DecodedNode root = read();
  EXPECT_EQ(pos, code.size()) << "numbers left over after the tree";
  return root;
}

inline const DecodedNode* FindDecoded(const DecodedNode& root,
                                      const std::vector<std::string>& path) {
  const DecodedNode* node = &root;
  for (const std::string& name : path) {
    const DecodedNode* next = nullptr;
    for (const DecodedNode& child : node->children) {
      if (child.name == name) next = &child;
    }
    if (!next) return nullptr;
    node = next;
  }
  return node;
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_OUTPUTS_FLAMEGRAPH_FLAME_TEST_UTIL_H_
