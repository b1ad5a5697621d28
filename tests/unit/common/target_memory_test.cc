#include "userspace/common/target_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/common/child_process.h"

namespace allocprof {
namespace {

// Written by the children before they wait: theirs differs from ours.
char g_text[32] = "the test's own";

TargetMemory Self() {
  absl::StatusOr<TargetMemory> self = TargetMemory::OpenSelf();
  EXPECT_TRUE(self.ok()) << self.status();
  return *std::move(self);
}

absl::StatusOr<TargetMemory> MemoryOf(pid_t pid) {
  const std::string dir = absl::StrCat("/proc/", pid);
  UniqueFd proc_dir(open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc_dir.valid()) return absl::ErrnoToStatus(errno, dir);
  return TargetMemory::Open(proc_dir.get(), dir);
}

uint64_t Address(const void* p) { return reinterpret_cast<uint64_t>(p); }

TEST(CommonTargetMemory, ReadsItsOwnProcess) {
  const TargetMemory memory = Self();
  static const uint32_t kValue = 0x12345678;
  EXPECT_EQ(memory.Read<uint32_t>(Address(&kValue)), kValue);
  EXPECT_EQ(memory.Read<uint32_t>(0), std::nullopt);
  EXPECT_EQ(memory.ReadString(Address(g_text)), "the test's own");
  EXPECT_EQ(memory.ReadString(Address(g_text), 4), std::nullopt);  // no NUL within 4
  const std::vector<uint8_t> bytes = memory.ReadBytes(Address(g_text), 3);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "the");
  char out[8];
  EXPECT_EQ(memory.ReadSome(Address(g_text), out, 0), 0);
}

TEST(CommonTargetMemory, ShortAtTheEndOfAMappingNoneWhereNothingIsMapped) {
  const TargetMemory memory = Self();
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  char* map = static_cast<char*>(
      mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(map, MAP_FAILED);
  ASSERT_EQ(munmap(map + page, page), 0);
  memcpy(map + page - 4, "tail", 4);
  char out[64];
  EXPECT_EQ(memory.ReadSome(Address(map + page - 4), out, sizeof(out)), 4);
  EXPECT_EQ(std::string(out, 4), "tail");
  EXPECT_FALSE(memory.ReadAll(Address(map + page - 4), out, sizeof(out)));
  EXPECT_EQ(memory.ReadBytes(Address(map + page - 4), 64).size(), 4u);
  EXPECT_EQ(memory.ReadSome(Address(map + page), out, sizeof(out)), -EFAULT);
  EXPECT_TRUE(memory.ReadBytes(Address(map + page), 64).empty());
  munmap(map, page);
}

TEST(CommonTargetMemory, UpperHalfAddressesAreRefusedNotWrapped) {
  const TargetMemory memory = Self();
  char out[16];
  const uint64_t before = memory.reads();
  // As an off_t these would be negative, and the kernel would take
  // negative offsets of /proc/PID/mem as addresses (FMODE_UNSIGNED_OFFSET).
  EXPECT_EQ(memory.ReadSome(uint64_t{1} << 63, out, sizeof(out)), -EFAULT);
  EXPECT_EQ(memory.ReadSome(0xffffffff81000000, out, sizeof(out)), -EFAULT);
  EXPECT_EQ(memory.ReadSome(~uint64_t{0}, out, sizeof(out)), -EFAULT);
  EXPECT_EQ(memory.Read<uint64_t>(uint64_t{1} << 63), std::nullopt);
  EXPECT_EQ(memory.reads(), before) << "refused without asking the kernel";
  // A range that runs up to 2^63 ends there: nothing below it is mapped
  // either, in user space.
  EXPECT_EQ(memory.ReadSome((uint64_t{1} << 63) - 8, out, sizeof(out)), -EFAULT);
}

TEST(CommonTargetMemory, ReadsNothingOnceItsProcessIsGone) {
  ChildProcess child([] { strcpy(g_text, "the child's"); });
  ASSERT_GT(child.pid(), 0);
  absl::StatusOr<TargetMemory> memory = MemoryOf(child.pid());
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_EQ(memory->ReadString(Address(g_text)), "the child's");
  child.Reap();
  char out[8];
  EXPECT_EQ(memory->ReadSome(Address(g_text), out, sizeof(out)), -ESRCH);
  EXPECT_EQ(memory->ReadString(Address(g_text)), std::nullopt);
  EXPECT_TRUE(memory->ReadBytes(Address(g_text), 8).empty());
  // Its /proc directory no longer opens anything.
  EXPECT_TRUE(absl::IsNotFound(MemoryOf(child.pid()).status()));
}

// The point of it all: a process that now has the PID is never read.
// clone3 gives the new child the old one's PID, which takes CAP_SYS_ADMIN.
TEST(CommonTargetMemory, NeverReadsTheProcessThatReusedItsPid) {
  pid_t pid = 0;
  absl::StatusOr<TargetMemory> memory = absl::UnknownError("not opened");
  {
    ChildProcess first([] { strcpy(g_text, "the traced one"); });
    ASSERT_GT(first.pid(), 0);
    pid = first.pid();
    memory = MemoryOf(pid);
    ASSERT_TRUE(memory.ok()) << memory.status();
  }
  ChildProcess impostor([] { strcpy(g_text, "an impostor"); }, pid);
  if (impostor.pid() < 0) GTEST_SKIP() << "cannot choose a child's PID (needs CAP_SYS_ADMIN)";
  ASSERT_EQ(impostor.pid(), pid);
  // By number, the PID is the impostor's now...
  absl::StatusOr<TargetMemory> by_number = MemoryOf(pid);
  ASSERT_TRUE(by_number.ok()) << by_number.status();
  EXPECT_EQ(by_number->ReadString(Address(g_text)), "an impostor");
  // ...and the descriptor taken on the first still reads nothing.
  char out[16];
  EXPECT_EQ(memory->ReadSome(Address(g_text), out, sizeof(out)), -ESRCH);
  EXPECT_EQ(memory->ReadString(Address(g_text)), std::nullopt);
}

}  // namespace
}  // namespace allocprof
