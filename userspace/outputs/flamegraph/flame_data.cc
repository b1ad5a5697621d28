#include "userspace/outputs/flamegraph/flame_data.h"

#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "userspace/outputs/flamegraph/page_text.h"

namespace allocprof {
namespace {


void AppendStrings(std::string* out, const std::vector<std::string>& strings) {
  out->push_back('[');
  for (size_t i = 0; i < strings.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, strings[i]);
  }
  out->push_back(']');
}

// Names and modules, each written once.
class StringTable {
 public:
  uint32_t Id(std::string_view s) {
    auto [it, inserted] = ids_.try_emplace(s, strings_.size());
    if (inserted) strings_.emplace_back(s);
    return it->second;
  }
  const std::vector<std::string>& strings() const { return strings_; }

 private:
  // Views into FlameTree::frames, which outlives the table.
  absl::flat_hash_map<std::string_view, uint32_t> ids_;
  std::vector<std::string> strings_;
};

void AppendFrames(std::string* out, const FlameTree& tree, StringTable* table) {
  out->push_back('[');
  for (size_t i = 0; i < tree.frames.size(); ++i) {
    const FlameFrame& frame = tree.frames[i];
    if (i) out->push_back(',');
    absl::StrAppend(out, table->Id(frame.name), ",", table->Id(frame.module),
                    ",", static_cast<int>(frame.kind));
  }
  out->push_back(']');
}

// A number as flame_data.h describes: five bits a character.
void AppendNumber(std::string* out, uint64_t n) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  do {
    uint64_t bits = n & 31;
    n >>= 5;
    out->push_back(kDigits[bits | (n ? 32 : 0)]);
  } while (n);
}

void AppendSigned(std::string* out, int64_t n) {
  AppendNumber(out, (static_cast<uint64_t>(n) << 1) ^ static_cast<uint64_t>(n >> 63));
}

void AppendNode(std::string* out, const FlameTree& tree, const FlameNode& node) {
  bool link = node.children.size() == 1 && node.self.bytes == 0 &&
              node.self.objects == 0 && node.base_self.bytes == 0 &&
              node.base_self.objects == 0;
  AppendNumber(out, 2 * static_cast<uint64_t>(node.frame) + (link ? 0 : 1));
  if (link) return;
  AppendNumber(out, node.children.size());
  AppendSigned(out, node.self.bytes);
  AppendSigned(out, node.self.objects);
  if (tree.diff) {
    AppendSigned(out, node.base_self.bytes);
    AppendSigned(out, node.base_self.objects);
  }
}

void AppendNodes(std::string* out, const FlameTree& tree) {
  out->push_back('"');
  // Preorder without recursion: paths can be thousands of frames deep.
  std::vector<uint32_t> pending = {0};
  while (!pending.empty()) {
    const FlameNode& node = tree.nodes[pending.back()];
    pending.pop_back();
    AppendNode(out, tree, node);
    pending.insert(pending.end(), node.children.rbegin(), node.children.rend());
  }
  out->push_back('"');
}

}  // namespace

std::string FlameGraphData(const FlameTree& tree, const FlameHeading& heading) {
  std::string out;
  out.reserve(64 + tree.nodes.size() * 3);
  absl::StrAppend(&out, "{\"format\":\"", kFlameDataFormat,
                  "\",\"version\":", kFlameDataVersion, ",\"title\":");
  AppendJsonString(&out, heading.title);
  out += ",\"facts\":";
  AppendStrings(&out, heading.facts);
  out += ",\"warnings\":";
  AppendStrings(&out, heading.warnings);
  out += ",\"focus\":";
  AppendJsonString(&out, heading.focus);
  absl::StrAppend(&out, ",\"weight\":\"",
                  tree.weight == Weight::kBytes ? "bytes" : "objects",
                  "\",\"inverted\":", tree.inverted ? "true" : "false",
                  ",\"diff\":", tree.diff ? "true" : "false", ",\"kinds\":");
  std::vector<std::string> kinds;
  for (int k = 0; k < kFrameKinds; ++k) {
    kinds.push_back(FrameKindName(static_cast<FrameKind>(k)));
  }
  AppendStrings(&out, kinds);
  StringTable table;
  std::string frames;
  AppendFrames(&frames, tree, &table);
  out += ",\"strings\":";
  AppendStrings(&out, table.strings());
  absl::StrAppend(&out, ",\"frames\":", frames, ",\"nodes\":");
  AppendNodes(&out, tree);
  out += "}";
  return out;
}

}  // namespace allocprof
