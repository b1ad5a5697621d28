#include "userspace/java/pooled_chunks.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace allocprof {

bool IsPoolChunkFrame(const ProfileFrame& frame) {
  // Perf map names are "io.netty.buffer.PoolArena$DirectArena::newChunk"
  // or, in JVM signature form, "Lio/netty/buffer/PoolArena$DirectArena;...";
  // grpc-netty shades the same classes under io.grpc.netty.shaded.
  for (const char* cls : {"netty.buffer.PoolArena", "netty/buffer/PoolArena",
                          "netty.buffer.PoolChunk", "netty/buffer/PoolChunk"}) {
    if (absl::StrContains(frame.function, cls)) return true;
  }
  return false;
}

std::string PooledChunkNote(const Profile& profile) {
  int64_t total = 0;
  int64_t pooled = 0;
  for (const ProfileStack& stack : profile.stacks) {
    if (stack.values.inuse_bytes <= 0) continue;
    total += stack.values.inuse_bytes;
    for (const ProfileFrame& frame : stack.frames) {
      if (IsPoolChunkFrame(frame)) {
        pooled += stack.values.inuse_bytes;
        break;
      }
    }
  }
  if (total == 0 || pooled * 2 <= total) return "";
  return absl::StrCat(
      pooled * 100 / total,
      "% of the outstanding bytes are chunks of Netty's pooled allocator "
      "(PoolArena): each such stack is the one that opened the chunk, not "
      "necessarily the one that holds the buffers inside it");
}

}  // namespace allocprof
