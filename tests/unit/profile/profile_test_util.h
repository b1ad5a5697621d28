// Made-up profiles for testing writers without BPF or symbols.
#ifndef ALLOCPROF_TESTS_UNIT_PROFILE_PROFILE_TEST_UTIL_H_
#define ALLOCPROF_TESTS_UNIT_PROFILE_PROFILE_TEST_UTIL_H_

#include <string>
#include <vector>

#include "userspace/profile/profile.h"

namespace allocprof {

inline ProfileFrame MakeFrame(std::string function, std::string module,
                              uint64_t address, uint64_t offset, FrameKind kind) {
  ProfileFrame frame;
  frame.function = std::move(function);
  frame.module = std::move(module);
  frame.address = address;
  frame.offset = offset;
  frame.kind = kind;
  return frame;
}

// `frame` with its source line; `inlined`: a function inlined into the next
// frame, with which it shares address, module, offset and kind.
inline ProfileFrame WithLine(ProfileFrame frame, std::string file, uint32_t line,
                             bool inlined = false) {
  frame.file = std::move(file);
  frame.line = line;
  frame.inlined = inlined;
  return frame;
}

// A stack whose frames are `functions`, leaf first, in /usr/bin/app, with
// `inuse_bytes` of heap in `inuse_objects` blocks.
inline ProfileStack HeapStack(std::vector<std::string> functions,
                              int64_t inuse_bytes, int64_t inuse_objects) {
  ProfileStack stack;
  uint64_t addr = 0x401000;
  for (size_t i = 0; i < functions.size(); ++i) {
    ProfileFrame frame;
    frame.function = std::move(functions[i]);
    frame.module = i == 0 ? "/usr/lib/x86_64-linux-gnu/libc.so.6" : "/usr/bin/app";
    frame.address = addr += 0x10;
    frame.kind = i == 0 ? FrameKind::kAllocator : FrameKind::kProgram;
    stack.frames.push_back(std::move(frame));
  }
  stack.values.inuse_bytes = inuse_bytes;
  stack.values.inuse_objects = inuse_objects;
  stack.values.alloc_bytes = inuse_bytes;
  stack.values.alloc_objects = inuse_objects;
  stack.inuse_bytes_by_kind[static_cast<int>(MemKind::kHeap)] = inuse_bytes;
  return stack;
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_PROFILE_PROFILE_TEST_UTIL_H_
