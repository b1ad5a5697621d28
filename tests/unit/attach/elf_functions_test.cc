#include "userspace/attach/elf_functions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

extern "C" __attribute__((noinline, used)) int allocprof_elf_probe_target(int x) {
  return x * 3 + 1;
}

namespace allocprof {
namespace {

// The file offset of `addr` in this process's executable, from its mapping:
// what a uprobe on it must be given.
uint64_t FileOffsetOfOwnCode(uint64_t addr) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    uint64_t start, end, offset;
    char perms[5];
    if (sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64, &start,
               &end, perms, &offset) == 4 &&
        addr >= start && addr < end) {
      return addr - start + offset;
    }
  }
  return 0;
}

// This test's executable by its own path: target files are opened without
// following /proc magic links such as /proc/self/exe.
std::string OwnExecutable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST(FindFunctions, MatchesWhereTheCodeIsMapped) {
  auto offsets = FindFunctions(OwnExecutable(),
                                     {"allocprof_elf_probe_target", "no_such_function"});
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  ASSERT_TRUE(offsets->contains("allocprof_elf_probe_target"));
  EXPECT_FALSE(offsets->contains("no_such_function"));
  uint64_t addr = reinterpret_cast<uint64_t>(&allocprof_elf_probe_target);
  const ElfFunction& f = offsets->at("allocprof_elf_probe_target");
  EXPECT_EQ(f.file_offset, FileOffsetOfOwnCode(addr));
  EXPECT_GT(f.size, 0u);
  // The code read from the file is the code this process runs.
  auto code = ReadFunctionCode(OwnExecutable(), f, 4096);
  ASSERT_TRUE(code.ok()) << code.status();
  ASSERT_EQ(code->size(), f.size);
  EXPECT_EQ(0, memcmp(code->data(), reinterpret_cast<const void*>(addr), f.size));
}

TEST(FindFunctions, VersionedLibcSymbolsMatchTheirPlainNames) {
  // malloc is exported as malloc@@GLIBC_2.2.5.
  auto offsets = FindFunctions("/lib/x86_64-linux-gnu/libc.so.6",
                                     {"malloc", "free"});
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  EXPECT_TRUE(offsets->contains("malloc"));
  EXPECT_TRUE(offsets->contains("free"));
  EXPECT_NE(offsets->at("malloc").file_offset, offsets->at("free").file_offset);
}

TEST(FindFunctions, NotAnElfFileIsAnError) {
  EXPECT_FALSE(FindFunctions("/proc/self/status", {"malloc"}).ok());
  EXPECT_FALSE(FindFunctions("/nonexistent", {"malloc"}).ok());
}

}  // namespace
}  // namespace allocprof
