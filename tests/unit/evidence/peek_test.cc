#include "userspace/evidence/peek.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace allocprof {
namespace {

TEST(PeekBlock, ReadsTheFirstBytes) {
  char buffer[100];
  memset(buffer, 'x', sizeof(buffer));
  memcpy(buffer, "request 42", 10);
  PeekedBlock block;
  block.address = reinterpret_cast<uint64_t>(buffer);
  block.size = sizeof(buffer);
  PeekBlock(getpid(), &block);
  EXPECT_EQ(block.error, "");
  ASSERT_EQ(block.bytes.size(), kPeekBytes);
  EXPECT_EQ(block.bytes.substr(0, 10), "request 42");

  block.size = 5;  // never past the allocation
  PeekBlock(getpid(), &block);
  EXPECT_EQ(block.bytes, "reque");
}

TEST(PeekBlock, UnmappedAndGoneAreSaid) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* map = mmap(nullptr, page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  munmap(map, page);
  PeekedBlock block;
  block.address = reinterpret_cast<uint64_t>(map);
  block.size = 64;
  PeekBlock(getpid(), &block);
  EXPECT_EQ(block.error, "not mapped (EFAULT)");
  EXPECT_TRUE(block.bytes.empty());

  PeekBlock(0x3fffffff, &block);
  EXPECT_EQ(block.error, "the target exited");
}

TEST(PeekShownStacks, OnlyShownStacksKeepTheirPeeks) {
  static const char kText[] = "shown";
  Profile p;
  for (int64_t bytes : {300, 200, 100}) {
    ProfileStack s;
    s.values.inuse_bytes = bytes;
    PeekedBlock b;
    b.address = reinterpret_cast<uint64_t>(kText);
    b.size = 5;
    s.evidence.peeks.push_back(b);
    p.stacks.push_back(s);
  }
  PeekShownStacks(getpid(), 2, &p);
  EXPECT_EQ(p.stacks[0].evidence.peeks.at(0).bytes, "shown");
  EXPECT_EQ(p.stacks[1].evidence.peeks.at(0).bytes, "shown");
  EXPECT_TRUE(p.stacks[2].evidence.peeks.empty());
}

}  // namespace
}  // namespace allocprof
