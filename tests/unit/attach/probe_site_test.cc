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
  // Five single-stepped instructions before anything emulated.
  std::vector<uint8_t> code;
  for (int i = 0; i < 6; ++i) code.insert(code.end(), {0x48, 0x85, 0xff});
  code.push_back(0x55);
  EXPECT_EQ(Choose(code).offset, 0u);
}

TEST(ChooseProbeSite, UndecodableBytesStayAtEntry) {
  EXPECT_EQ(Choose({}).offset, 0u);
}

}  // namespace
}  // namespace allocprof
