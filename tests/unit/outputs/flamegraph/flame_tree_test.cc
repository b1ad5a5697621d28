#include "userspace/outputs/flamegraph/flame_tree.h"

#include <gtest/gtest.h>

#include "tests/unit/outputs/flamegraph/flame_test_util.h"

namespace allocprof {
namespace {

std::vector<std::string> ChildNames(const FlameTree& tree, const FlameNode& node) {
  std::vector<std::string> names;
  for (uint32_t child : node.children) {
    names.push_back(tree.frames[tree.nodes[child].frame].name);
  }
  return names;
}

TEST(BuildFlameTree, TotalsAreSumsOfTheStacksBelow) {
  FlameTree tree = BuildFlameTree(ThreeLeaks(), Weight::kBytes, false);
  const FlameNode& root = tree.nodes[0];
  EXPECT_EQ(tree.frames[root.frame].name, "all");
  EXPECT_EQ(root.total.bytes, 4500);
  EXPECT_EQ(root.total.objects, 9);
  EXPECT_EQ(ChildNames(tree, root), std::vector<std::string>{"main"});

  const FlameNode* main = FindNode(tree, {"main"});
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(ChildNames(tree, *main), (std::vector<std::string>{"handle", "init"}))
      << "widest first; the stack with nothing in use is left out";
  const FlameNode* handle = FindNode(tree, {"main", "handle"});
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(handle->total.bytes, 4000);
  EXPECT_EQ(handle->total.objects, 4);
  EXPECT_EQ(handle->self.bytes, 0);

  const FlameNode* leak = FindNode(tree, {"main", "handle", "leak_big", "malloc"});
  ASSERT_NE(leak, nullptr);
  EXPECT_EQ(leak->self.bytes, 3000);
  EXPECT_EQ(leak->total.bytes, 3000);
  EXPECT_EQ(tree.frames[leak->frame].kind, FrameKind::kAllocator);
  EXPECT_EQ(tree.frames[leak->frame].module, "/usr/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(FindNode(tree, {"main", "freed"}), nullptr);
  EXPECT_FALSE(tree.diff);
}

TEST(BuildFlameTree, EveryParentComesBeforeItsChildren) {
  FlameTree tree = BuildFlameTree(ThreeLeaks(), Weight::kBytes, false);
  for (size_t i = 1; i < tree.nodes.size(); ++i) {
    EXPECT_LT(tree.nodes[i].parent, i);
  }
}

TEST(BuildFlameTree, InvertedStartsAtTheAllocator) {
  FlameTree tree = BuildFlameTree(ThreeLeaks(), Weight::kBytes, true);
  EXPECT_TRUE(tree.inverted);
  EXPECT_EQ(ChildNames(tree, tree.nodes[0]), (std::vector<std::string>{"malloc", "calloc"}));
  const FlameNode* malloc_node = FindNode(tree, {"malloc"});
  ASSERT_NE(malloc_node, nullptr);
  EXPECT_EQ(malloc_node->total.bytes, 4000);
  EXPECT_EQ(ChildNames(tree, *malloc_node), (std::vector<std::string>{"leak_big", "parse"}));
  // The stacks' values sit at their outermost caller now.
  const FlameNode* main = FindNode(tree, {"malloc", "leak_big", "handle", "main"});
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->self.bytes, 3000);
  EXPECT_TRUE(main->children.empty());
}

TEST(BuildFlameTree, ObjectsWeightOrdersAndFiltersByObjects) {
  Profile p = ThreeLeaks();
  // Bytes in use but no live object (a partly unmapped region's count was
  // given back): nothing to draw when weighing objects.
  p.stacks.push_back(HeapStack({"mmap", "map_partly", "main"}, 4096, 0));
  FlameTree tree = BuildFlameTree(p, Weight::kObjects, false);
  EXPECT_EQ(tree.weight, Weight::kObjects);
  const FlameNode* main = FindNode(tree, {"main"});
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(ChildNames(tree, *main), (std::vector<std::string>{"init", "handle"}))
      << "init holds 5 objects, handle 4";
  EXPECT_EQ(tree.nodes[0].total.objects, 9);
  EXPECT_EQ(tree.nodes[0].total.bytes, 4500);
  EXPECT_EQ(FindNode(tree, {"main", "map_partly"}), nullptr);

  FlameTree by_bytes = BuildFlameTree(p, Weight::kBytes, false);
  EXPECT_NE(FindNode(by_bytes, {"main", "map_partly"}), nullptr);
}

TEST(BuildFlameTree, LostStacksHangUnderAStackLostFrame) {
  Profile p = ThreeLeaks();
  ProfileStack lost = HeapStack({"worker"}, 700, 7);
  lost.frames[0].kind = FrameKind::kProgram;
  lost.lost = true;
  p.stacks.push_back(lost);
  ProfileStack nothing_recovered;
  nothing_recovered.lost = true;
  nothing_recovered.values.inuse_bytes = 50;
  nothing_recovered.values.inuse_objects = 1;
  p.stacks.push_back(nothing_recovered);

  FlameTree tree = BuildFlameTree(p, Weight::kBytes, false);
  const FlameNode* root_lost = FindNode(tree, {"[stack lost]"});
  ASSERT_NE(root_lost, nullptr);
  EXPECT_EQ(root_lost->total.bytes, 750);
  EXPECT_EQ(root_lost->self.bytes, 50);
  EXPECT_EQ(tree.frames[root_lost->frame].kind, FrameKind::kUnknown);
  ASSERT_NE(FindNode(tree, {"[stack lost]", "worker"}), nullptr);
  EXPECT_EQ(tree.nodes[0].total.bytes, 5250);

  FlameTree inverted = BuildFlameTree(p, Weight::kBytes, true);
  const FlameNode* last = FindNode(inverted, {"worker", "[stack lost]"});
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->self.bytes, 700);
}

TEST(BuildFlameTree, SiblingsMergeOnlyWhenNameAndModuleAgree) {
  Profile p;
  p.stacks = {HeapStack({"malloc", "init", "main"}, 100, 1),
              HeapStack({"malloc", "init", "main"}, 20, 1),
              HeapStack({"malloc", "init", "main"}, 3, 1)};
  p.stacks[2].frames[1].module = "/usr/lib/libplugin.so";
  p.stacks[2].frames[1].kind = FrameKind::kLibrary;
  FlameTree tree = BuildFlameTree(p, Weight::kBytes, false);
  const FlameNode* main = FindNode(tree, {"main"});
  ASSERT_NE(main, nullptr);
  ASSERT_EQ(main->children.size(), 2u);
  EXPECT_EQ(tree.nodes[main->children[0]].total.bytes, 120);
  EXPECT_EQ(tree.nodes[main->children[1]].total.bytes, 3);
  EXPECT_EQ(tree.frames[tree.nodes[main->children[1]].frame].module,
            "/usr/lib/libplugin.so");
}

TEST(BuildFlameTree, FramesWithoutSymbolsUseTheirDisplayName) {
  Profile p;
  p.stacks = {HeapStack({"malloc", "", "main"}, 10, 1)};
  p.stacks[0].frames[1].module = "/usr/lib/libx.so";
  p.stacks[0].frames[1].offset = 0x1234;
  FlameTree tree = BuildFlameTree(p, Weight::kBytes, false);
  EXPECT_NE(FindNode(tree, {"main", "libx.so+0x1234", "malloc"}), nullptr);
}

TEST(BuildFlameTree, EmptyProfileIsARootAlone) {
  FlameTree tree = BuildFlameTree(Profile{}, Weight::kBytes, false);
  ASSERT_EQ(tree.nodes.size(), 1u);
  EXPECT_EQ(tree.nodes[0].total.bytes, 0);
}

TEST(BuildDiffFlameTree, BaseValuesFollowNowsPathsByName) {
  Profile base;
  base.stacks = {HeapStack({"malloc", "leak_big", "handle", "main"}, 1000, 1),
                 HeapStack({"malloc", "parse", "handle", "main"}, 1500, 2),
                 HeapStack({"malloc", "gone", "handle", "main"}, 200, 1),
                 HeapStack({"malloc", "freed", "main"}, 0, 0)};
  // The same program installed elsewhere: matched by names, not paths.
  for (ProfileFrame& frame : base.stacks[0].frames) frame.module = "/opt/app/bin/app";
  Profile now = ThreeLeaks();

  FlameTree tree = BuildDiffFlameTree(base, now, Weight::kBytes, false);
  EXPECT_TRUE(tree.diff);
  EXPECT_EQ(tree.nodes[0].total.bytes, 4500) << "widths are now's";
  EXPECT_EQ(tree.nodes[0].base_total.bytes, 2700);

  const FlameNode* leak = FindNode(tree, {"main", "handle", "leak_big", "malloc"});
  ASSERT_NE(leak, nullptr);
  EXPECT_EQ(leak->total.bytes, 3000);
  EXPECT_EQ(leak->base_total.bytes, 1000);
  const FlameNode* parse = FindNode(tree, {"main", "handle", "parse"});
  ASSERT_NE(parse, nullptr);
  EXPECT_EQ(parse->base_total.bytes, 1500);
  EXPECT_EQ(parse->base_total.objects, 2);
  // "gone" is not in now: its bytes stay with the deepest frame both have.
  const FlameNode* handle = FindNode(tree, {"main", "handle"});
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(handle->base_self.bytes, 200);
  EXPECT_EQ(handle->base_total.bytes, 2700);
  EXPECT_EQ(FindNode(tree, {"main", "handle", "gone"}), nullptr);
  const FlameNode* init = FindNode(tree, {"main", "init"});
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(init->base_total.bytes, 0) << "new since base";
}

TEST(BuildDiffFlameTree, InvertedMatchesFromTheAllocator) {
  Profile base;
  base.stacks = {HeapStack({"malloc", "leak_big", "handle", "main"}, 1000, 1)};
  FlameTree tree = BuildDiffFlameTree(base, ThreeLeaks(), Weight::kBytes, true);
  const FlameNode* main = FindNode(tree, {"malloc", "leak_big", "handle", "main"});
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->base_self.bytes, 1000);
  EXPECT_EQ(FindNode(tree, {"malloc"})->base_total.bytes, 1000);
  EXPECT_EQ(FindNode(tree, {"calloc"})->base_total.bytes, 0);
}

}  // namespace
}  // namespace allocprof
