#include "userspace/attach/probe_site.h"

#include <gtest/gtest.h>

#include <vector>

namespace allocprof {
namespace {

constexpr uint64_t kAt = 0x98ef0;

ProbeSite Choose(std::vector<uint8_t> code) { return ChooseProbeSite(code, kAt); }

TEST(ChooseProbeSite, GlibcFreeMovesPastItsTest) {
  // free: test %rdi,%rdi (single-stepped); je (emulated).
  ProbeSite site = Choose({0x48, 0x85, 0xff, 0x0f, 0x84, 0xbf, 0x00, 0x00, 0x00,
                           0x55, 0x48, 0x8d, 0x77, 0xf0});
  EXPECT_EQ(site.offset, 3u);
  EXPECT_EQ(site.passed, "test rdi, rdi");
  EXPECT_EQ(site.probed.rfind("je ", 0), 0u) << site.probed;
}

TEST(ChooseProbeSite, EmulatedFirstInstructionStaysAtEntry) {
  // malloc: push %r12.
  ProbeSite site = Choose({0x41, 0x54, 0x55, 0x53, 0x48, 0x89, 0xfb});
  EXPECT_EQ(site.offset, 0u);
  EXPECT_EQ(site.probed, "push r12");
}

TEST(ChooseProbeSite, InstructionThatWritesAnArgumentKeepsTheEntry) {
  // mov %rsi,%rdi; push %rbp: the probe would see another rdi.
  ProbeSite site = Choose({0x48, 0x89, 0xf7, 0x55});
  EXPECT_EQ(site.offset, 0u);
  EXPECT_FALSE(site.emulated);
  EXPECT_EQ(site.why, "rdi overwritten by `mov rdi, rsi` at +0x0 with no copy");
}

TEST(ChooseProbeSite, ArgumentTheProbeDoesNotReadMayBeWritten) {
  // jemalloc's free: mov rdx, [rip+0x10]; push rbp. The probe reads only
  // rdi (ARG1): the site moves to the push.
  const std::vector<uint8_t> code = {0x48, 0x8b, 0x15, 0x10, 0x00, 0x00, 0x00, 0x55};
  ProbeSite site = ChooseProbeSite(code, kAt, 1u << 1);
  EXPECT_EQ(site.offset, 7u);
  EXPECT_EQ(site.probed, "push rbp");
  // A probe that reads ARG3 (rdx) stays at the entry.
  EXPECT_EQ(ChooseProbeSite(code, kAt, 1u << 3).offset, 0u);
  EXPECT_EQ(ChooseProbeSite(code, kAt).offset, 0u);
}

TEST(ChooseProbeSite, InstructionThatWritesTheFramePointerKeepsTheEntry) {
  // mov rbp, rsp; push rbx: a frame-pointer walk would start from the wrong rbp.
  EXPECT_EQ(ChooseProbeSite({0x48, 0x89, 0xe5, 0x53}, kAt, 1u << 1).offset, 0u);
}

TEST(ChooseProbeSite, InstructionThatMovesTheStackKeepsTheEntry) {
  // sub $8,%rsp; push %rbp: [sp] would no longer be the return address.
  EXPECT_EQ(Choose({0x48, 0x83, 0xec, 0x08, 0x55}).offset, 0u);
}

TEST(ChooseProbeSite, ReadingArgumentsIsFine) {
  // mov %rdi,%rax (reads rdi, writes rax); push %rbp.
  ProbeSite site = Choose({0x48, 0x89, 0xf8, 0x55});
  EXPECT_EQ(site.offset, 3u);
  EXPECT_EQ(site.probed, "push rbp");
}

TEST(ChooseProbeSite, BranchIntoThePrologueKeepsTheEntry) {
  // test %rdi,%rdi; je +3; nop x3; jmp back onto the je: a path that does
  // not pass the entry reaches the would-be site.
  ProbeSite site = Choose({0x48, 0x85, 0xff, 0x74, 0x03, 0x90, 0x90, 0x90, 0xeb, 0xf9});
  EXPECT_EQ(site.offset, 0u);
  EXPECT_EQ(site.why, "branch target at +0x3 (from +0x8)");
}

TEST(ChooseProbeSite, BranchFirstKeepsTheEntry) {
  EXPECT_EQ(Choose({0xc3}).offset, 0u);                // ret
  EXPECT_EQ(Choose({0xff, 0xe0, 0x55}).offset, 0u);    // jmp *%rax
}

TEST(ChooseProbeSite, PrefixedInstructionsAreNotEmulated) {
  // endbr64 is single-stepped; test; then push: the push is the site.
  ProbeSite site = Choose({0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x85, 0xff, 0x55});
  EXPECT_EQ(site.offset, 7u);
}

TEST(ChooseProbeSite, TooFarStaysAtEntry) {
  // Thirteen single-stepped instructions before anything emulated.
  std::vector<uint8_t> code;
  for (int i = 0; i < 14; ++i) code.insert(code.end(), {0x48, 0x85, 0xff});
  code.push_back(0x55);
  ProbeSite site = Choose(code);
  EXPECT_EQ(site.offset, 0u);
  EXPECT_EQ(site.why, "no emulated instruction in the first 13");
}

TEST(ChooseProbeSite, UndecodableBytesStayAtEntry) {
  EXPECT_EQ(Choose({}).offset, 0u);
  // rdpkru, which capstone 4 does not know, before a push.
  ProbeSite site = Choose({0x48, 0x85, 0xff, 0x0f, 0x01, 0xee, 0x55});
  EXPECT_EQ(site.offset, 0u);
  EXPECT_EQ(site.why, "bytes at +0x3 could not be decoded");
}

// Bytes of the instructions the tests below assemble.
#define MOV_RAX_RIP 0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00  // mov rax, [rip+0x10]
#define MOV_RDI_RIP 0x48, 0x8b, 0x3d, 0x10, 0x00, 0x00, 0x00  // mov rdi, [rip+0x10]
#define MOV_RSI_RDI 0x48, 0x89, 0xfe                          // mov rsi, rdi
#define MOV_RCX_RDI 0x48, 0x89, 0xf9                          // mov rcx, rdi
#define MOV_RAX_RDI 0x48, 0x89, 0xf8                          // mov rax, rdi
#define MOV_R11_RDI 0x49, 0x89, 0xfb                          // mov r11, rdi
#define MOV_RCX_RAX 0x48, 0x89, 0xc1                          // mov rcx, rax
#define MOV_RDI_RAX 0x48, 0x89, 0xc7                          // mov rdi, rax
#define XOR_EAX_EAX 0x31, 0xc0                                // xor eax, eax
#define XOR_ECX_ECX 0x31, 0xc9                                // xor ecx, ecx
#define PUSH_RBP 0x55

constexpr uint32_t kRdi = 1u << 1;

TEST(ChooseProbeSite, ArgumentIsReadFromItsCopy) {
  // mimalloc's malloc: mov rax, [rip+x]; mov rsi, rdi; mov rdi, fs:[rax];
  // cmp rsi, 0x400; ja: the size is in rsi at the ja.
  ProbeSite site = ChooseProbeSite(
      {MOV_RAX_RIP, MOV_RSI_RDI, 0x64, 0x48, 0x8b, 0x38, 0x48, 0x81, 0xfe, 0x00, 0x04,
       0x00, 0x00, 0x77, 0x29},
      kAt, kRdi);
  EXPECT_EQ(site.offset, 21u);
  EXPECT_TRUE(site.emulated);
  EXPECT_EQ(site.arg_reg[1], AP_REG_RSI);
  EXPECT_EQ(ArgumentRegister(site, 1), AP_REG_RSI);
  EXPECT_EQ(ArgumentRegister(site, 2), AP_REG_RSI) << "ARG2 is not read: rsi, its own";
  EXPECT_EQ(ArgumentRegister(site, 0), 0);
  EXPECT_EQ(DescribeSite(site),
            "+0x15: `ja 0x98f30`, emulated, after `mov rax, qword ptr [rip + 0x10]; "
            "mov rsi, rdi; mov rdi, qword ptr fs:[rax]; cmp rsi, 0x400`; "
            "ARG1 (rdi) read from rsi");
}

TEST(ChooseProbeSite, CopiesOfCopiesAndRegistersPastR9Hold) {
  // mov rax, rdi; mov rcx, rax; xor eax, eax; mov rdi, [rip]: rcx holds it.
  ProbeSite site =
      ChooseProbeSite({MOV_RAX_RDI, MOV_RCX_RAX, XOR_EAX_EAX, MOV_RDI_RIP, PUSH_RBP}, kAt, kRdi);
  EXPECT_EQ(site.offset, 15u);
  EXPECT_EQ(site.arg_reg[1], AP_REG_RCX);
  // Into r11 alone: the cookie names r11.
  site = ChooseProbeSite({MOV_R11_RDI, MOV_RDI_RIP, PUSH_RBP}, kAt, kRdi);
  EXPECT_EQ(site.offset, 10u);
  EXPECT_EQ(site.arg_reg[1], AP_REG_R11);
  // Two copies: the one the cookie numbers first.
  site = ChooseProbeSite({MOV_R11_RDI, MOV_RAX_RDI, MOV_RDI_RIP, PUSH_RBP}, kAt, kRdi);
  EXPECT_EQ(site.arg_reg[1], AP_REG_RAX);
}

TEST(ChooseProbeSite, ArgumentStillInItsOwnRegisterIsReadThere) {
  // mov rax, rdi; mov rdi, [rip]; mov rdi, rax: rdi holds it again.
  ProbeSite site =
      ChooseProbeSite({MOV_RAX_RDI, MOV_RDI_RIP, MOV_RDI_RAX, PUSH_RBP}, kAt, kRdi);
  EXPECT_EQ(site.offset, 13u);
  EXPECT_EQ(site.arg_reg[1], AP_REG_RDI);
  EXPECT_EQ(DescribeSite(site).find("read from"), std::string::npos) << DescribeSite(site);
}

TEST(ChooseProbeSite, OverwrittenCopyKeepsTheEntry) {
  // mov rcx, rdi; mov rdi, [rip]; xor ecx, ecx: no register holds rdi's value.
  ProbeSite site =
      ChooseProbeSite({MOV_RCX_RDI, MOV_RDI_RIP, XOR_ECX_ECX, PUSH_RBP}, kAt, kRdi);
  EXPECT_EQ(site.offset, 0u);
  EXPECT_FALSE(site.emulated);
  EXPECT_EQ(site.why, "rdi and its copies overwritten, the last by `xor ecx, ecx` at +0xa");
  EXPECT_EQ(DescribeSite(site),
            "`mov rcx, rdi`, single-stepped: rdi and its copies overwritten, the last by "
            "`xor ecx, ecx` at +0xa");
}

TEST(ChooseProbeSite, ReadArgumentOverwrittenWithoutCopyKeepsTheEntry) {
  ProbeSite site = ChooseProbeSite({MOV_RAX_RIP, MOV_RDI_RIP, PUSH_RBP}, kAt, kRdi);
  EXPECT_EQ(site.offset, 0u);
  EXPECT_EQ(site.why, "rdi overwritten by `mov rdi, qword ptr [rip + 0x10]` at +0x7 with no copy");
}

TEST(ChooseProbeSite, CopyIntoA32BitRegisterHoldsNothing) {
  // mov ecx, edi keeps the low half only.
  ProbeSite site = ChooseProbeSite({0x89, 0xf9, MOV_RDI_RIP, PUSH_RBP}, kAt, kRdi);
  EXPECT_EQ(site.offset, 0u);
}

TEST(ChooseProbeSite, ImplicitWritesCount) {
  // glibc's reallocarray: mov rax, rsi; mul rdx (writes rdx:rax); push.
  const std::vector<uint8_t> mul = {0x48, 0x89, 0xf0, 0x48, 0xf7, 0xe2, 0x53};
  ProbeSite site = ChooseProbeSite(mul, kAt, (1u << 1) | (1u << 2) | (1u << 3));
  EXPECT_EQ(site.offset, 0u);
  EXPECT_EQ(site.why, "rdx overwritten by `mul rdx` at +0x3 with no copy");
  EXPECT_EQ(ChooseProbeSite(mul, kAt, (1u << 1) | (1u << 2)).offset, 6u);
  // mov rax, rdi; mov rdi, [rip]; xor eax, eax: the copy is gone.
  EXPECT_EQ(ChooseProbeSite({MOV_RAX_RDI, MOV_RDI_RIP, XOR_EAX_EAX, PUSH_RBP}, kAt, kRdi).offset,
            0u);
  // cpuid writes rcx (ARG4).
  EXPECT_EQ(ChooseProbeSite({0x0f, 0xa2, PUSH_RBP}, kAt, 1u << 4).offset, 0u);
  EXPECT_EQ(ChooseProbeSite({0x0f, 0xa2, PUSH_RBP}, kAt, kRdi).offset, 2u);
  // rep stosq advances rdi.
  site = ChooseProbeSite({0xf3, 0x48, 0xab, PUSH_RBP}, kAt, kRdi);
  EXPECT_EQ(site.offset, 0u);
  EXPECT_EQ(site.why, "rdi overwritten by `rep stosq qword ptr [rdi], rax` at +0x0 with no copy");
  // cmpxchg may load rax, which capstone 4.0 does not list.
  EXPECT_EQ(ChooseProbeSite({MOV_RAX_RDI, MOV_RDI_RIP, 0xf0, 0x48, 0x0f, 0xb1, 0x0e, PUSH_RBP},
                            kAt, kRdi)
                .offset,
            0u);
}

TEST(ChooseProbeSite, SaysWhyItStaysAtTheEntry) {
  // test rdi, rdi; jmp rax.
  EXPECT_EQ(Choose({0x48, 0x85, 0xff, 0xff, 0xe0, PUSH_RBP}).why, "branch at +0x3 (`jmp rax`)");
  // loop, which capstone counts as no jump.
  EXPECT_EQ(Choose({0x48, 0x85, 0xff, 0xe2, 0x10, PUSH_RBP}).why,
            "branch at +0x3 (`loop 0x98f05`)");
  EXPECT_EQ(Choose({0x48, 0x83, 0xec, 0x08, PUSH_RBP}).why, "rsp written by `sub rsp, 8` at +0x0");
  // mov [rsp], rdi overwrites the return address; mov [rsp-8], rdi the red zone.
  EXPECT_EQ(Choose({0x48, 0x89, 0x3c, 0x24, PUSH_RBP}).why,
            "`mov qword ptr [rsp], rdi` at +0x0 stores at or above sp");
  EXPECT_EQ(Choose({0x48, 0x89, 0x7c, 0x24, 0xf8, PUSH_RBP}).offset, 5u);
}

TEST(DescribeSite, EmulatedEntry) {
  ProbeSite site = Choose({0x41, 0x54});
  EXPECT_EQ(DescribeSite(site), "`push r12`, emulated");
  EXPECT_EQ(DescribeSite(Choose({})), "single-stepped: code could not be decoded");
}

TEST(RegisterName, NamesTheCookiesRegisters) {
  EXPECT_STREQ(RegisterName(AP_REG_RDI), "rdi");
  EXPECT_STREQ(RegisterName(AP_REG_R9), "r9");
  EXPECT_STREQ(RegisterName(AP_REG_RAX), "rax");
  EXPECT_STREQ(RegisterName(AP_REG_R15), "r15");
  EXPECT_STREQ(RegisterName(0), "?");
  EXPECT_STREQ(RegisterName(15), "?");
}

}  // namespace
}  // namespace allocprof
