// Pooled direct memory: Netty's PooledByteBufAllocator (and grpc-netty's
// shaded copy) takes direct memory in large chunks (16 MiB, 2 MiB) and
// hands out buffers inside them. A stack that holds such a chunk is the one
// that opened it, not necessarily the one that holds the buffers inside,
// which is what a reader of the report must be told.
#ifndef ALLOCPROF_USERSPACE_JAVA_POOLED_CHUNKS_H_
#define ALLOCPROF_USERSPACE_JAVA_POOLED_CHUNKS_H_

#include <string>

#include "userspace/profile/profile.h"

namespace allocprof {

// Whether a frame is code of a pooled allocator's arena or chunk.
bool IsPoolChunkFrame(const ProfileFrame& frame);

// A note for the report when more than half of the outstanding bytes are in
// stacks through a pooled allocator's arena; "" otherwise.
std::string PooledChunkNote(const Profile& profile);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_POOLED_CHUNKS_H_
