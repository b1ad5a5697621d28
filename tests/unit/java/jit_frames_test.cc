#include "userspace/java/jit_frames.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/java/fake_jvm_memory.h"

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

TEST(JitCodeOf, KindsByPerfMapName) {
  const std::vector<JitCode> code = JitCodeOf({{0x1000, 0x100, "Interpreter"},
                                               {0x1100, 0x40, "StubRoutines (1)"},
                                               {0x2000, 0x80, "int app.Main.run(int)"}});
  ASSERT_EQ(code.size(), 3u);
  EXPECT_EQ(code[0].kind, JitCode::Kind::kInterpreter);
  EXPECT_EQ(code[1].kind, JitCode::Kind::kStub);
  EXPECT_EQ(code[2].kind, JitCode::Kind::kCompiledMethod);
  EXPECT_EQ(code[2].start, 0x2000u);
  EXPECT_EQ(code[2].size, 0x80u);
}

// One row for each piece and one that ends the walk after it; a compiled
// method's frame size as the JVM recorded it, or from its prologue in the
// target's memory (here this process's), or else the walk ends there too;
// a stub's as recorded, or else rbp.
TEST(BuildJitRows, OneRowPerPieceAndAStopAfterIt) {
  // A code region of this process: a prologue in its second page, its
  // third page unmapped (/proc/PID/mem, as ptrace, reads PROT_NONE pages).
  constexpr size_t kPage = 4096;
  void* region = mmap(nullptr, 3 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
  ASSERT_NE(region, MAP_FAILED);
  const uint64_t base = reinterpret_cast<uint64_t>(region);
  // push %rbp; sub $0x30,%rsp: a 0x40-byte frame.
  const uint8_t prologue[] = {0x55, 0x48, 0x83, 0xec, 0x30, 0x90, 0x90, 0x90};
  const uint64_t decoded = base + kPage + 0x800;
  std::memcpy(reinterpret_cast<void*>(decoded), prologue, sizeof(prologue));
  const uint64_t unreadable = base + 2 * kPage;
  ASSERT_EQ(munmap(reinterpret_cast<void*>(unreadable), kPage), 0);

  std::vector<JitCode> code = {
      {base + kPage, 0x80, JitCode::Kind::kCompiledMethod},  // recorded
      {base, 0x100, JitCode::Kind::kInterpreter},
      {base + kPage + 0x10, 0x10, JitCode::Kind::kCompiledMethod},  // overlaps: dropped
      {base + 0x100, 0x40, JitCode::Kind::kStub},  // the call stub: no size
      {base + 0x200, 0x40, JitCode::Kind::kStub},  // a runtime stub: recorded
      {decoded, sizeof(prologue), JitCode::Kind::kCompiledMethod},
      {unreadable, 0x20, JitCode::Kind::kCompiledMethod},  // no frame known
  };
  std::vector<uint64_t> asked;
  const RecordedFrameSize recorded = [&](const JitCode& c) -> std::optional<uint32_t> {
    asked.push_back(c.start);
    if (c.start == base + kPage) return 0x60;
    if (c.start == base + 0x200) return 0x20;
    return std::nullopt;
  };
  const JitRows jit = BuildJitRows(SelfMemory(), code, recorded);
  munmap(region, 2 * kPage);
  EXPECT_EQ(jit.start, base);
  EXPECT_EQ(jit.end, unreadable + 0x20);
  EXPECT_EQ(jit.methods, 2u);
  EXPECT_EQ(jit.recorded, 1u);
  EXPECT_EQ(jit.stub_frames, 1u);
  EXPECT_EQ(asked,
            (std::vector<uint64_t>{base + 0x100, base + 0x200, base + kPage, decoded, unreadable}));
  ASSERT_EQ(jit.rows.size(), 12u);
  auto expect_row = [&](size_t i, uint64_t pc, uint8_t type, uint16_t cfa, int8_t rbp) {
    EXPECT_EQ(jit.rows[i].pc, pc - base) << i;
    EXPECT_EQ(jit.rows[i].cfa_type, type) << i;
    EXPECT_EQ(jit.rows[i].cfa_offset, cfa) << i;
    EXPECT_EQ(jit.rows[i].rbp_rule, rbp) << i;
  };
  // The interpreter: its Method* 3 words below rbp, its bytecode pointer 8.
  expect_row(0, base, AP_CFA_JAVA_INTERP, 8, -3);
  expect_row(1, base + 0x100, AP_CFA_STOP, 0, 0);
  expect_row(2, base + 0x100, AP_CFA_NONE, 0, AP_RBP_SAME);
  expect_row(3, base + 0x140, AP_CFA_STOP, 0, 0);
  expect_row(4, base + 0x200, AP_CFA_RSP, 0x20, -2);
  expect_row(5, base + 0x240, AP_CFA_STOP, 0, 0);
  expect_row(6, base + kPage, AP_CFA_RSP, 0x60, -2);
  expect_row(7, base + kPage + 0x80, AP_CFA_STOP, 0, 0);
  expect_row(8, decoded, AP_CFA_RSP, 0x40, -2);
  expect_row(9, decoded + sizeof(prologue), AP_CFA_STOP, 0, 0);
  expect_row(10, unreadable, AP_CFA_STOP, 0, AP_RBP_SAME);
  expect_row(11, unreadable + 0x20, AP_CFA_STOP, 0, 0);
}

// The layout the walk reads is the one HotSpot x86-64 has had since JDK 8;
// a JVM that says otherwise gets frame-pointer rows for its interpreter.
TEST(BuildJitRows, AnInterpreterLaidOutOtherwiseIsWalkedByRbp) {
  EXPECT_TRUE(IsKnownInterpreterLayout(-1, -2));
  EXPECT_FALSE(IsKnownInterpreterLayout(-1, -3));
  EXPECT_FALSE(IsKnownInterpreterLayout(-2, -2));
  const std::vector<JitCode> code = {{0x10000, 0x100, JitCode::Kind::kInterpreter}};
  const JitRows known = BuildJitRows(SelfMemory(), code);
  ASSERT_EQ(known.rows.size(), 2u);
  EXPECT_EQ(known.rows[0].cfa_type, AP_CFA_JAVA_INTERP);
  const JitRows other = BuildJitRows(SelfMemory(), code, nullptr, /*interpreter_known=*/false);
  ASSERT_EQ(other.rows.size(), 2u);
  EXPECT_EQ(other.rows[0].cfa_type, AP_CFA_NONE);
  EXPECT_EQ(other.rows[0].rbp_rule, AP_RBP_SAME);
}

}  // namespace
}  // namespace allocprof
