#include "userspace/outputs/flamegraph/flame_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/outputs/flamegraph/flame_test_util.h"

namespace allocprof {
namespace {

using ::testing::ElementsAre;

nlohmann::json DataOf(const FlameTree& tree, const FlameHeading& heading = {}) {
  std::string text = FlameGraphData(tree, heading);
  return nlohmann::json::parse(text);
}

TEST(FlameGraphData, ReadsBackIntoTheSameTree) {
  FlameTree tree = BuildFlameTree(ThreeLeaks(), Weight::kBytes, false);
  nlohmann::json data = DataOf(tree);
  EXPECT_EQ(data.at("format"), "allocprof-flamegraph");
  EXPECT_EQ(data.at("version"), 1);
  EXPECT_EQ(data.at("weight"), "bytes");
  EXPECT_EQ(data.at("inverted"), false);
  EXPECT_EQ(data.at("diff"), false);
  EXPECT_THAT(data.at("kinds"),
              ElementsAre("program", "library", "allocator", "jit", "unknown", "python"));

  DecodedNode root = DecodeNodes(data);
  EXPECT_EQ(root.name, "all");
  EXPECT_EQ(root.total_bytes, 4500);
  EXPECT_EQ(root.total_objects, 9);
  const DecodedNode* handle = FindDecoded(root, {"main", "handle"});
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(handle->total_bytes, 4000);
  ASSERT_EQ(handle->children.size(), 2u);
  EXPECT_EQ(handle->children[0].name, "leak_big") << "widest first";
  const DecodedNode* leak = FindDecoded(root, {"main", "handle", "leak_big", "malloc"});
  ASSERT_NE(leak, nullptr);
  EXPECT_EQ(leak->self_bytes, 3000);
  EXPECT_EQ(leak->self_objects, 3);
  EXPECT_EQ(leak->kind, "allocator");
  EXPECT_EQ(leak->module, "/usr/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(FindDecoded(root, {"main"})->kind, "program");
}

TEST(FlameGraphData, EveryStringIsWrittenOnce) {
  FlameTree tree = BuildFlameTree(ThreeLeaks(), Weight::kBytes, false);
  nlohmann::json data = DataOf(tree);
  std::set<std::string> seen;
  for (const auto& s : data.at("strings")) {
    EXPECT_TRUE(seen.insert(s.get<std::string>()).second) << s;
  }
  // "malloc" is drawn three times (under leak_big, parse... and nowhere
  // else since freed is left out) but named once.
  EXPECT_EQ(seen.count("malloc"), 1u);
  EXPECT_EQ(data.at("frames").size(), 3 * tree.frames.size());
}

TEST(FlameGraphData, ChainsOfSingleChildrenTakeOneNumberANode) {
  Profile p;
  std::vector<std::string> deep = {"malloc"};
  for (int i = 0; i < 50; ++i) deep.push_back("f" + std::to_string(i));
  p.stacks = {HeapStack(deep, 64, 1)};
  FlameTree tree = BuildFlameTree(p, Weight::kBytes, false);
  nlohmann::json data = DataOf(tree);
  // Root and 50 callers are links: a frame number each. The leaf carries
  // frame, 0 children, 64 bytes, 1 object.
  EXPECT_EQ(DecodeNumbers(data.at("nodes").get<std::string>()).size(), 51u + 4u);
  DecodedNode root = DecodeNodes(data);
  EXPECT_EQ(root.total_bytes, 64);
}

TEST(FlameGraphData, NumbersTakeFiveBitsACharacter) {
  Profile p;
  // Frame 0 is the root; "main" is frame 1, then callees 2..40; values
  // large enough to need several characters.
  std::vector<std::string> deep = {"malloc"};
  for (int i = 0; i < 40; ++i) deep.push_back("f" + std::to_string(i));
  deep.push_back("main");
  p.stacks = {HeapStack(deep, int64_t{1} << 40, 3)};
  std::string nodes = DataOf(BuildFlameTree(p, Weight::kBytes, false)).at("nodes");
  EXPECT_EQ(nodes.substr(0, 2), "AC") << "links to frames 0 and 1: 0 and 2";
  // Frames 2..15 take one character (2F < 32), 16..41 two.
  EXPECT_EQ(nodes.size(), 2 + 14 + 26 * 2 + /*leaf*/ 2 + 1 + 9 + 1);
  DecodedNode root = DecodeNodes(DataOf(BuildFlameTree(p, Weight::kBytes, false)));
  EXPECT_EQ(root.total_bytes, int64_t{1} << 40);
}

TEST(FlameGraphData, InvertedAndObjectWeightAreRecorded) {
  FlameTree tree = BuildFlameTree(ThreeLeaks(), Weight::kObjects, true);
  nlohmann::json data = DataOf(tree);
  EXPECT_EQ(data.at("weight"), "objects");
  EXPECT_EQ(data.at("inverted"), true);
  DecodedNode root = DecodeNodes(data);
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[0].name, "calloc") << "widest by objects first";
  EXPECT_EQ(root.children[0].total_objects, 5);
  EXPECT_EQ(root.children[1].name, "malloc");
  EXPECT_EQ(root.children[1].total_objects, 4);
}

TEST(FlameGraphData, DiffNodesCarryTheBaseValues) {
  Profile base;
  base.stacks = {HeapStack({"malloc", "leak_big", "handle", "main"}, 1000, 1),
                 HeapStack({"malloc", "gone", "handle", "main"}, 200, 2)};
  FlameTree tree = BuildDiffFlameTree(base, ThreeLeaks(), Weight::kBytes, false);
  nlohmann::json data = DataOf(tree);
  EXPECT_EQ(data.at("diff"), true);
  DecodedNode root = DecodeNodes(data);
  EXPECT_EQ(root.total_bytes, 4500);
  const DecodedNode* handle = FindDecoded(root, {"main", "handle"});
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(handle->base_self_bytes, 200);
  EXPECT_EQ(handle->base_self_objects, 2);
  const DecodedNode* leak = FindDecoded(root, {"main", "handle", "leak_big", "malloc"});
  ASSERT_NE(leak, nullptr);
  EXPECT_EQ(leak->base_self_bytes, 1000);
  EXPECT_EQ(leak->self_bytes, 3000);
}

TEST(FlameGraphData, HeadingIsCarried) {
  FlameHeading heading{"Title <b>", {"fact one", "fact two"}, {"lost some"}, "leak_big"};
  nlohmann::json data = DataOf(BuildFlameTree(ThreeLeaks(), Weight::kBytes, false), heading);
  EXPECT_EQ(data.at("title"), "Title <b>");
  EXPECT_THAT(data.at("facts"), ElementsAre("fact one", "fact two"));
  EXPECT_THAT(data.at("warnings"), ElementsAre("lost some"));
  EXPECT_EQ(data.at("focus"), "leak_big");
}

// Names come from the traced program: any of these must come through as
// text, and none may end the <script> or CDATA section the data sits in.
TEST(FlameGraphData, HostileNamesRoundTripAndStayInert) {
  const std::vector<std::string> hostile = {
      "</script><script>window.pwned=1</script>",
      "operator<<(std::ostream&, Foo const&)",
      "a \"quoted\" 'name' & more",
      "]]><!-- -->",
      "a;b;c",
      "line\nbreak\ttab\x01" "bell",
      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x94\xa5",  // 日本語 🔥
      "line\xe2\x80\xa8separator",                               // U+2028
      "back\\slash",
  };
  Profile p;
  std::vector<std::string> stack = {"malloc"};
  stack.insert(stack.end(), hostile.rbegin(), hostile.rend());
  p.stacks = {HeapStack(stack, 100, 1)};
  // Not UTF-8: a Latin-1 byte and a truncated sequence.
  p.stacks.push_back(HeapStack({"malloc", "caf\xe9", "\xe6\x97"}, 10, 1));

  std::string text = FlameGraphData(BuildFlameTree(p, Weight::kBytes, false), {});
  for (char c : text) {
    ASSERT_TRUE(c >= 0x20 && c < 0x7f) << "non-ASCII or control byte " << int(c);
    ASSERT_TRUE(c != '<' && c != '>' && c != '&') << "markup character " << c;
  }
  DecodedNode root = DecodeNodes(nlohmann::json::parse(text));
  std::vector<std::string> path(hostile.begin(), hostile.end());
  path.push_back("malloc");
  EXPECT_NE(FindDecoded(root, path), nullptr) << text;
  EXPECT_NE(FindDecoded(root, {"\xef\xbf\xbd\xef\xbf\xbd", "caf\xef\xbf\xbd", "malloc"}),
            nullptr)
      << "each byte that is not UTF-8 becomes U+FFFD";
}

}  // namespace
}  // namespace allocprof
