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
  EXPECT_NE(site.why, "");
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
  EXPECT_NE(site.why.find("branches into the prologue"), std::string::npos) << site.why;
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
  EXPECT_EQ(Choose(code).offset, 0u);
}

TEST(ChooseProbeSite, UndecodableBytesStayAtEntry) {
  EXPECT_EQ(Choose({}).offset, 0u);
}

}  // namespace
}  // namespace allocprof
