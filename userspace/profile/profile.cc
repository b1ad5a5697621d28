#include "userspace/profile/profile.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "userspace/symbols/frame.h"

namespace allocprof {
namespace {

constexpr const char* kKindNames[] = {"program", "library", "allocator", "jit",
                                      "unknown", "python"};

}  // namespace

const char* FrameKindName(FrameKind kind) {
  return kKindNames[static_cast<int>(kind)];
}

bool ParseFrameKind(const std::string& name, FrameKind* kind) {
  for (int i = 0; i < kFrameKinds; ++i) {
    if (name == kKindNames[i]) {
      *kind = static_cast<FrameKind>(i);
      return true;
    }
  }
  return false;
}

int64_t InuseValue(const ProfileValues& values, Weight weight) {
  return weight == Weight::kBytes ? values.inuse_bytes : values.inuse_objects;
}

std::string FoldedFrameName(const std::string& name) {
  if (name.empty()) return "[unknown]";
  return absl::StrReplaceAll(name, {{";", "_"}, {"\n", "_"}, {"\r", "_"}});
}

std::string StackPath(const ProfileStack& stack) {
  std::string path = stack.lost ? "[stack lost]" : "";
  for (auto it = stack.frames.rbegin(); it != stack.frames.rend(); ++it) {
    if (!path.empty()) path += ';';
    path += FoldedFrameName(it->NameWithLine());
  }
  return path.empty() ? "[unknown]" : path;
}

std::string ProfileFrame::DisplayName() const {
  // One naming rule for live frames and frames read back from a file.
  Frame frame;
  frame.addr = address;
  frame.function = function;
  frame.module = module;
  frame.offset = offset;
  return frame.DisplayName();
}

}  // namespace allocprof

namespace allocprof {

std::string ProfileFrame::NameWithLine(bool full_path) const {
  std::string name = DisplayName();
  // A Python function says so: its name alone could be a C function's.
  const absl::string_view tag = kind == FrameKind::kPython ? " [python]" : "";
  if (line == 0) return absl::StrCat(name, tag);
  absl::string_view shown = file;
  if (!full_path) {
    size_t slash = shown.rfind('/');
    if (slash != absl::string_view::npos) shown.remove_prefix(slash + 1);
  }
  return absl::StrCat(name, " (", shown, ":", line, ")", tag);
}

}  // namespace allocprof
