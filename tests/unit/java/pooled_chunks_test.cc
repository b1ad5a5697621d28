#include "userspace/java/pooled_chunks.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

using ::testing::HasSubstr;

ProfileStack Stack(std::vector<std::string> functions, int64_t bytes) {
  ProfileStack s;
  for (std::string& f : functions) {
    ProfileFrame frame;
    frame.function = std::move(f);
    s.frames.push_back(frame);
  }
  s.values.inuse_bytes = bytes;
  return s;
}

TEST(PooledChunks, RecognisesNettyAndShadedArenaFrames) {
  ProfileFrame f;
  f.function = "io.netty.buffer.PoolArena$DirectArena::newChunk";
  EXPECT_TRUE(IsPoolChunkFrame(f));
  f.function = "Lio/grpc/netty/shaded/io/netty/buffer/PoolChunk;::allocate";
  EXPECT_TRUE(IsPoolChunkFrame(f));
  f.function = "io.netty.buffer.UnpooledDirectByteBuf::allocateDirect";
  EXPECT_FALSE(IsPoolChunkFrame(f));
}

TEST(PooledChunks, NoteWhenChunksHoldMostBytes) {
  Profile p;
  p.stacks = {Stack({"malloc", "Unsafe_AllocateMemory0",
                     "io.netty.buffer.PoolArena$DirectArena::newChunk"},
                    48 << 20),
              Stack({"malloc", "handle_request"}, 16 << 20)};
  EXPECT_THAT(PooledChunkNote(p), HasSubstr("75% of the outstanding bytes are chunks"));
  p.stacks[1].values.inuse_bytes = 48 << 20;  // half: not most
  EXPECT_EQ(PooledChunkNote(p), "");
  EXPECT_EQ(PooledChunkNote(Profile()), "");
}

}  // namespace
}  // namespace allocprof
