#include "userspace/symbols/module_map.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdint>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

Module Make(uint64_t start, uint64_t end, const std::string& path,
            uint64_t inode = 1) {
  Module m;
  m.start = start;
  m.end = end;
  m.path = path;
  m.inode = inode;
  m.kind = Module::Kind::kFile;
  return m;
}

std::vector<std::string> Paths(const std::vector<Module>& modules) {
  std::vector<std::string> paths;
  for (const Module& m : modules) paths.push_back(m.path);
  return paths;
}

TEST(SymbolsModuleMap, KeepsExecutableMappingsAndClassifiesThem) {
  absl::StatusOr<std::vector<Module>> modules = ExecutableModules(
      "55d0c0a00000-55d0c0a02000 r--p 00000000 fd:01 11 /usr/bin/prog\n"
      "55d0c0a02000-55d0c0a21000 r-xp 00002000 fd:01 11 /usr/bin/prog\n"
      "7f0000000000-7f0000001000 rwxp 00000000 00:00 0 \n"
      "7f0000001000-7f0000002000 r-xp 00000000 00:00 0 [anon:v8 code]\n"
      "7f0000002000-7f0000003000 r-xs 00000000 00:01 9 /memfd:jit (deleted)\n"
      "7f0000003000-7f0000004000 r-xp 00001000 fd:01 12 /lib/libz.so "
      "(deleted)\n"
      "7ffd5b3f4000-7ffd5b3f6000 r-xp 00000000 00:00 0 [vdso]\n"
      "7ffd5b3f6000-7ffd5b3f7000 rw-p 00000000 00:00 0 [stack]\n");
  ASSERT_TRUE(modules.ok()) << modules.status();
  ASSERT_EQ(modules->size(), 6u);
  const std::vector<Module>& m = *modules;
  EXPECT_EQ(m[0].path, "/usr/bin/prog");
  EXPECT_EQ(m[0].kind, Module::Kind::kFile);
  EXPECT_EQ(m[0].file_offset, 0x2000u);
  EXPECT_EQ(m[0].inode, 11u);
  EXPECT_EQ(m[1].path, "");
  EXPECT_EQ(m[1].kind, Module::Kind::kAnonymous);
  EXPECT_EQ(m[2].kind, Module::Kind::kAnonymous);
  EXPECT_EQ(m[3].path, "/memfd:jit");
  EXPECT_EQ(m[3].kind, Module::Kind::kAnonymous);
  EXPECT_EQ(m[4].path, "/lib/libz.so");
  EXPECT_TRUE(m[4].deleted);
  EXPECT_EQ(m[4].kind, Module::Kind::kFile);
  EXPECT_EQ(m[5].path, "[vdso]");
  EXPECT_EQ(m[5].kind, Module::Kind::kSpecial);
}

TEST(SymbolsModuleMap, MalformedMapsFail) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      ExecutableModules("7f00-7f10 r-xp 00000000 00:00 0\nnonsense\n")
          .status()));
}

TEST(SymbolsModuleMap, MergeKeepsGoneModulesThatNothingReplaced) {
  std::vector<Module> old = {Make(0x1000, 0x2000, "a"),
                             Make(0x3000, 0x4000, "b"),
                             Make(0x5000, 0x6000, "c")};
  std::vector<Module> fresh = {Make(0x5000, 0x6000, "c"),
                               Make(0x3800, 0x3900, "new-in-b"),
                               Make(0x7000, 0x8000, "d")};
  std::vector<Module> merged = MergeSnapshots(old, fresh);
  // "a" was unmapped and nothing took its place: kept. "b" is partly
  // covered by new code: gone. "c" is in both: once.
  EXPECT_EQ(Paths(merged),
            (std::vector<std::string>{"a", "new-in-b", "c", "d"}));
}

TEST(SymbolsModuleMap, MergeDropsOldModulesOverlappedAtEitherEnd) {
  std::vector<Module> old = {Make(0x1000, 0x2000, "x"),
                             Make(0x3000, 0x4000, "y")};
  std::vector<Module> fresh = {Make(0x0800, 0x1001, "left"),
                               Make(0x3fff, 0x5000, "right")};
  EXPECT_EQ(Paths(MergeSnapshots(old, fresh)),
            (std::vector<std::string>{"left", "right"}));
  // Touching is not overlapping.
  std::vector<Module> touching = {Make(0x0800, 0x1000, "before"),
                                  Make(0x2000, 0x3000, "between")};
  EXPECT_EQ(Paths(MergeSnapshots(old, touching)),
            (std::vector<std::string>{"before", "x", "between", "y"}));
}

TEST(SymbolsModuleMap, MergeKeepsThePinnedFileOfAnUnchangedMapping) {
  Module pinned = Make(0x1000, 0x2000, "/lib/gone.so");
  pinned.deleted = true;
  pinned.pinned_file = std::make_shared<UniqueFd>(-1);
  Module again = Make(0x1000, 0x2000, "/lib/gone.so");
  again.deleted = true;
  std::vector<Module> merged = MergeSnapshots({pinned}, {again});
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].pinned_file, pinned.pinned_file);
}

__attribute__((noinline)) int ModuleMapTestFunction(int x) {
  return x * 7 + 3;
}

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf));
  return n > 0 ? std::string(buf, n) : "";
}

TEST(SymbolsModuleMap, FindsOwnCode) {
  absl::StatusOr<ModuleMap> map = ModuleMap::ForProcess(getpid());
  ASSERT_TRUE(map.ok()) << map.status();
  uint64_t addr = reinterpret_cast<uintptr_t>(&ModuleMapTestFunction);
  const Module* m = map->Find(addr);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->kind, Module::Kind::kFile);
  EXPECT_EQ(m->path, SelfExe());

  // The ELF path opens the very file that is mapped.
  std::string elf_path = map->ElfPath(*m);
  EXPECT_EQ(elf_path.rfind("/proc/self/fd/", 0), 0u) << elf_path;
  struct stat st;
  ASSERT_EQ(::stat(elf_path.c_str(), &st), 0) << elf_path;
  EXPECT_EQ(st.st_ino, m->inode);

  EXPECT_EQ(map->Find(0x10), nullptr);
}

TEST(SymbolsModuleMap, RefreshKeepsUnmappedCodeUntilSomethingReplacesIt) {
  const size_t kSize = 2 * 4096;
  void* region = mmap(nullptr, kSize, PROT_READ | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(region, MAP_FAILED);
  uint64_t addr = reinterpret_cast<uintptr_t>(region);

  absl::StatusOr<ModuleMap> map = ModuleMap::ForProcess(getpid());
  ASSERT_TRUE(map.ok()) << map.status();
  ASSERT_NE(map->Find(addr), nullptr);
  EXPECT_EQ(map->Find(addr)->kind, Module::Kind::kAnonymous);

  ASSERT_EQ(munmap(region, kSize), 0);
  ASSERT_TRUE(map->Refresh().ok());
  ASSERT_NE(map->Find(addr), nullptr) << "unmapped code was forgotten";
  EXPECT_EQ(map->Find(addr)->kind, Module::Kind::kAnonymous);

  // New code at the same place replaces it: the test binary's first page.
  int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  void* file_map = mmap(region, 4096, PROT_READ | PROT_EXEC,
                        MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
  ::close(fd);
  ASSERT_EQ(file_map, region);
  ASSERT_TRUE(map->Refresh().ok());
  const Module* m = map->Find(addr);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->kind, Module::Kind::kFile);
  EXPECT_EQ(m->path, SelfExe());
  // The rest of the old anonymous mapping was overlapped too: gone.
  EXPECT_EQ(map->Find(addr + 4096), nullptr);
  munmap(file_map, 4096);
}

TEST(SymbolsModuleMap, NoSuchProcess) {
  EXPECT_TRUE(absl::IsNotFound(ModuleMap::ForProcess(0x3fffffff).status()));
}

}  // namespace
}  // namespace allocprof
