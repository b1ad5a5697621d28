#include "userspace/java/jit_frames.h"

#include <vector>

#include "gtest/gtest.h"

namespace allocprof {
namespace {

// Verified entries as HotSpot emits them on x86-64 (bytes from JDK 17).
TEST(CompiledFrameSize, C2MethodWithStackBang) {
  const std::vector<uint8_t> code = {
      0x89, 0x84, 0x24, 0x00, 0xc0, 0xfe, 0xff,  // mov %eax,-0x14000(%rsp)
      0x55,                                      // push %rbp
      0x48, 0x83, 0xec, 0x50,                    // sub $0x50,%rsp
      0x48, 0x8b, 0xde};                         // mov %rsi,%rbx
  EXPECT_EQ(CompiledFrameSize(code), 0x60u);
}

TEST(CompiledFrameSize, NativeWrapperWithFramePointer) {
  const std::vector<uint8_t> code = {
      0x55,                    // push %rbp
      0x48, 0x8b, 0xec,        // mov %rsp,%rbp
      0x48, 0x81, 0xec, 0x40, 0x01, 0x00, 0x00,  // sub $0x140,%rsp
      0x48, 0x89, 0x34, 0x24};  // mov %rsi,(%rsp)
  EXPECT_EQ(CompiledFrameSize(code), 0x150u);
}

TEST(CompiledFrameSize, UnverifiedEntryIsSkippedUpToThePush) {
  const std::vector<uint8_t> code = {
      0x44, 0x8b, 0x56, 0x08,              // mov 0x8(%rsi),%r10d
      0x49, 0x3b, 0xc2,                    // cmp %r10,%rax
      0x0f, 0x85, 0xc6, 0x50, 0xab, 0xff,  // jne ic_miss
      0x66, 0x90,                          // xchg %ax,%ax
      0x55,                                // push %rbp
      0x48, 0x83, 0xec, 0x20};             // sub $0x20,%rsp
  EXPECT_EQ(CompiledFrameSize(code), 0x30u);
}

TEST(CompiledFrameSize, RetiredMethodWhoseEntryWasPatchedWithAJump) {
  // The JVM wrote `jmp` over the first 5 bytes of the 7-byte stack bang.
  const std::vector<uint8_t> code = {
      0xe9, 0x5b, 0xe3, 0x57, 0x07, 0xfe, 0xff,  // jmp ...; the bang's tail
      0x55,                                      // push %rbp
      0x48, 0x81, 0xec, 0x40, 0x01, 0x00, 0x00,  // sub $0x140,%rsp
      0x48, 0x89, 0xb4, 0x24, 0xd0, 0x00, 0x00, 0x00};
  EXPECT_EQ(CompiledFrameSize(code), 0x150u);
}

TEST(CompiledFrameSize, FrameOfRbpAndReturnAddressAlone) {
  const std::vector<uint8_t> code = {
      0x89, 0x84, 0x24, 0x00, 0xc0, 0xfe, 0xff,  // mov %eax,-0x14000(%rsp)
      0x55,                                      // push %rbp
      0x48, 0x8b, 0xde};                         // mov %rsi,%rbx
  EXPECT_EQ(CompiledFrameSize(code), 16u);
}

TEST(CompiledFrameSize, OtherShapesHaveNone) {
  // Only a jump.
  EXPECT_FALSE(CompiledFrameSize(std::vector<uint8_t>{0xe9, 0x5b, 0xe3, 0x57, 0x07}));
  // No push at all.
  EXPECT_FALSE(CompiledFrameSize(std::vector<uint8_t>{0x48, 0x89, 0xf3, 0x48, 0x89, 0xf3}));
  EXPECT_FALSE(CompiledFrameSize(std::vector<uint8_t>{}));
}

TEST(IsJavaMethodName, MethodsNotStubs) {
  EXPECT_TRUE(IsJavaMethodName("void java.nio.DirectByteBuffer.<init>(int)"));
  EXPECT_TRUE(IsJavaMethodName("long jdk.internal.misc.Unsafe.allocateMemory0(long)"));
  EXPECT_FALSE(IsJavaMethodName("StubRoutines (1)"));
  EXPECT_FALSE(IsJavaMethodName("Interpreter"));
  EXPECT_FALSE(IsJavaMethodName("I2C/C2I adapters"));
}

}  // namespace
}  // namespace allocprof
