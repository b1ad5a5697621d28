#include "userspace/evidence/peek.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "tests/unit/common/child_process.h"

namespace allocprof {
namespace {

const TargetMemory& SelfMemory() {
  static const TargetMemory memory = *TargetMemory::OpenSelf();
  return memory;
}

ProcessHandle Self() { return *ProcessHandle::Open(getpid()); }

TEST(PeekBlock, ReadsTheFirstBytes) {
  char buffer[100];
  memset(buffer, 'x', sizeof(buffer));
  memcpy(buffer, "request 42", 10);
  PeekedBlock block;
  block.address = reinterpret_cast<uint64_t>(buffer);
  block.size = sizeof(buffer);
  PeekBlock(SelfMemory(), &block);
  EXPECT_EQ(block.error, "");
  ASSERT_EQ(block.bytes.size(), kPeekBytes);
  EXPECT_EQ(block.bytes.substr(0, 10), "request 42");

  block.size = 5;  // never past the allocation
  PeekBlock(SelfMemory(), &block);
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
  PeekBlock(SelfMemory(), &block);
  EXPECT_EQ(block.error, "not mapped (EFAULT)");
  EXPECT_TRUE(block.bytes.empty());

  // Not a user address: refused (pread's offset is signed).
  block.address = uint64_t{1} << 63;
  PeekBlock(SelfMemory(), &block);
  EXPECT_EQ(block.error, "not mapped (EFAULT)");
}

// Its handles were taken while it ran; the peek comes after it was reaped.
TEST(PeekBlock, AnExitedTargetIsSaidToHaveExited) {
  static const char kText[] = "request 42";
  ChildProcess child;
  ASSERT_GT(child.pid(), 0);
  absl::StatusOr<ProcessHandle> handle = ProcessHandle::Open(child.pid());
  ASSERT_TRUE(handle.ok()) << handle.status();
  absl::StatusOr<TargetMemory> memory = handle->OpenMemory();
  ASSERT_TRUE(memory.ok()) << memory.status();
  PeekedBlock block;
  block.address = reinterpret_cast<uint64_t>(kText);
  block.size = sizeof(kText) - 1;
  PeekBlock(*memory, &block);
  EXPECT_EQ(block.bytes, "request 42");
  child.Reap();
  PeekBlock(*memory, &block);
  EXPECT_EQ(block.error, "the target exited");
  EXPECT_TRUE(block.bytes.empty());

  // Its memory opened only now: the same.
  Profile p;
  ProfileStack s;
  s.values.inuse_bytes = 1;
  s.evidence.peeks.push_back(block);
  p.stacks.push_back(s);
  PeekShownStacks(*handle, 1, &p);
  EXPECT_EQ(p.stacks[0].evidence.peeks.at(0).error, "the target exited");
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
  PeekShownStacks(Self(), 2, &p);
  EXPECT_EQ(p.stacks[0].evidence.peeks.at(0).bytes, "shown");
  EXPECT_EQ(p.stacks[1].evidence.peeks.at(0).bytes, "shown");
  EXPECT_TRUE(p.stacks[2].evidence.peeks.empty());
}

}  // namespace
}  // namespace allocprof
