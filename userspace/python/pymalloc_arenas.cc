#include "userspace/python/pymalloc_arenas.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "userspace/aggregate/usage.h"

namespace allocprof {
namespace {

constexpr int64_t kArenaSizes[] = {int64_t{1} << 20, int64_t{256} << 10};

bool IsCLibrary(const ProfileFrame& frame) {
  return absl::StrContains(frame.module, "/libc.so") ||
         absl::StrContains(frame.module, "/libc-");
}

}  // namespace

bool HoldsPymallocArenas(const ProfileStack& stack, const std::string& module) {
  const int64_t bytes = stack.values.inuse_bytes;
  const int64_t objects = stack.values.inuse_objects;
  if (module.empty() || bytes <= 0 || objects <= 0 ||
      stack.inuse_bytes_by_kind[static_cast<int>(MemKind::kAnonMmap)] != bytes) {
    return false;
  }
  bool arena_size = false;
  for (int64_t size : kArenaSizes) arena_size |= bytes == objects * size;
  if (!arena_size) return false;
  for (const ProfileFrame& frame : stack.frames) {
    if (frame.function == "_PyObject_ArenaMmap") return true;
    if (IsCLibrary(frame)) continue;
    return frame.module == module;
  }
  return false;
}

std::string PymallocArenaNote(const Profile& profile, const std::string& module) {
  int64_t total = 0;
  int64_t arenas = 0;
  int64_t count = 0;
  for (const ProfileStack& stack : profile.stacks) {
    if (stack.values.inuse_bytes <= 0) continue;
    total += stack.values.inuse_bytes;
    if (HoldsPymallocArenas(stack, module)) {
      arenas += stack.values.inuse_bytes;
      count += stack.values.inuse_objects;
    }
  }
  if (arenas == 0) return "";
  return absl::StrCat(
      arenas * 100 / total, "% of the outstanding bytes (", count,
      count == 1 ? " arena" : " arenas",
      ") are arenas of CPython's object allocator (pymalloc): each such stack is the one "
      "whose allocation opened the arena, not necessarily one whose objects fill it; "
      "the Python objects inside are not traced one by one");
}

}  // namespace allocprof
