// Symbolizing code whose file is not where the target's path says, or is
// reachable only while the target lives: deleted, replaced, or on a mount
// of the target's own mount namespace (a container's volume).
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "userspace/symbols/module_map.h"
#include "userspace/symbols/symbolizer.h"

namespace allocprof {
namespace {

// libz is on every machine that builds allocprof (libelf needs it); a
// private copy of it is a shared object the test may delete and replace.
std::string LibzPath() {
  void* handle = dlopen("libz.so.1", RTLD_NOW);
  if (handle == nullptr) return "";
  Dl_info info;
  if (dladdr(dlsym(handle, "deflate"), &info) == 0) return "";
  return info.dli_fname;
}

bool CopyFile(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  out << in.rdbuf();
  return in.good() && out.good();
}

// A fresh directory, removed with what the test left in it.
class SymbolsSymbolizerFiles : public testing::Test {
 protected:
  void SetUp() override {
    libz_ = LibzPath();
    ASSERT_FALSE(libz_.empty()) << "libz.so.1 not found";
    std::string tmpl = testing::TempDir() + "/allocprof-symbols-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    // The kernel names mapped files by their resolved path.
    char resolved[PATH_MAX];
    ASSERT_NE(realpath(tmpl.c_str(), resolved), nullptr);
    dir_ = resolved;
  }
  void TearDown() override {
    for (const char* name : {"/a.so", "/b.so", "/c.so"}) {
      std::remove((dir_ + name).c_str());
    }
    rmdir(dir_.c_str());
  }

  // dlopens a private copy of libz named `name` in dir_; returns the
  // address of its deflate().
  uint64_t LoadCopy(const std::string& name) {
    std::string path = dir_ + "/" + name;
    if (!CopyFile(libz_, path)) return 0;
    // RTLD_NODELETE: the mapping must outlive the test's dlclose-free exit.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (handle == nullptr) return 0;
    return reinterpret_cast<uintptr_t>(dlsym(handle, "deflate"));
  }

  std::string libz_;
  std::string dir_;
};

TEST_F(SymbolsSymbolizerFiles, ReplacedFileGivesNoNamesRatherThanWrongOnes) {
  uint64_t deflate = LoadCopy("b.so");
  ASSERT_NE(deflate, 0u);
  absl::StatusOr<std::unique_ptr<Symbolizer>> s =
      Symbolizer::ForProcess(getpid());
  ASSERT_TRUE(s.ok()) << s.status();
  // An upgrade renames a new file over the old one.
  ASSERT_TRUE(CopyFile(libz_, dir_ + "/c.so"));
  ASSERT_EQ(std::rename((dir_ + "/c.so").c_str(), (dir_ + "/b.so").c_str()),
            0);

  Frame f = (*s)->Symbolize(deflate + 4);
  EXPECT_EQ(f.function, "");
  EXPECT_EQ(f.module, dir_ + "/b.so");
  EXPECT_EQ(f.DisplayName(), absl::StrCat("b.so+0x", absl::Hex(f.offset)));
  ASSERT_EQ((*s)->load_errors().size(), 1u);
  EXPECT_TRUE(absl::StrContains((*s)->load_errors()[0], "was replaced"))
      << (*s)->load_errors()[0];
}

TEST_F(SymbolsSymbolizerFiles, DeletedFileIsReadThroughMapFilesWhenAllowed) {
  uint64_t deflate = LoadCopy("a.so");
  ASSERT_NE(deflate, 0u);
  ASSERT_EQ(unlink((dir_ + "/a.so").c_str()), 0);

  absl::StatusOr<ModuleMap> map = ModuleMap::ForProcess(getpid());
  ASSERT_TRUE(map.ok()) << map.status();
  const Module* m = map->Find(deflate);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->deleted);
  EXPECT_EQ(m->path, dir_ + "/a.so");
  // /proc/PID/map_files needs CAP_SYS_ADMIN; both outcomes are checked.
  bool pinned = m->pinned_file != nullptr;

  absl::StatusOr<std::unique_ptr<Symbolizer>> s =
      Symbolizer::ForProcess(getpid());
  ASSERT_TRUE(s.ok()) << s.status();
  Frame f = (*s)->Symbolize(deflate + 4);
  EXPECT_EQ(f.module, dir_ + "/a.so");
  if (pinned) {
    EXPECT_EQ(f.function, "deflate");
    EXPECT_EQ(f.offset, 4u);
    EXPECT_TRUE((*s)->load_errors().empty());
  } else {
    EXPECT_EQ(f.function, "");
    ASSERT_EQ((*s)->load_errors().size(), 1u);
    EXPECT_TRUE(absl::StrContains((*s)->load_errors()[0], "deleted"));
  }
}

// The child enters a mount namespace of its own (with a user namespace
// when not privileged), mounts a tmpfs that only it sees, and runs code
// from a library there, like a container running code from a volume.
// Once it is gone, so is that mount: its files must have been held on to.
TEST_F(SymbolsSymbolizerFiles, LibraryOnAMountOfADeadNamespace) {
  std::string mount_dir = dir_ + "/mnt";
  ASSERT_EQ(mkdir(mount_dir.c_str(), 0700), 0);
  int to_parent[2], to_child[2];
  ASSERT_EQ(pipe(to_parent), 0);
  ASSERT_EQ(pipe(to_child), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(to_parent[0]);
    close(to_child[1]);
    uint64_t deflate = 0;  // stays 0 when the namespace cannot be made
    if ((unshare(CLONE_NEWNS) == 0 ||
         unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0) &&
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
        mount("tmpfs", mount_dir.c_str(), "tmpfs", 0, nullptr) == 0 &&
        CopyFile(libz_, mount_dir + "/z.so")) {
      void* handle = dlopen((mount_dir + "/z.so").c_str(), RTLD_NOW);
      if (handle != nullptr) {
        deflate = reinterpret_cast<uintptr_t>(dlsym(handle, "deflate"));
      }
    }
    if (write(to_parent[1], &deflate, sizeof(deflate)) != sizeof(deflate)) {
      _exit(2);
    }
    char c;
    (void)!read(to_child[0], &c, 1);
    _exit(0);
  }
  close(to_parent[1]);
  close(to_child[0]);
  uint64_t deflate = 0;
  ASSERT_EQ(read(to_parent[0], &deflate, sizeof(deflate)),
            static_cast<ssize_t>(sizeof(deflate)));

  absl::StatusOr<std::unique_ptr<Symbolizer>> s;
  if (deflate != 0) s = Symbolizer::ForProcess(child);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(to_parent[0]);
  close(to_child[1]);
  rmdir(mount_dir.c_str());
  if (deflate == 0) GTEST_SKIP() << "cannot create a mount namespace here";
  ASSERT_TRUE(s.ok()) << s.status();

  // Only the dead namespace ever had this file.
  struct stat st;
  ASSERT_NE(::stat((mount_dir + "/z.so").c_str(), &st), 0);
  Frame f = (*s)->Symbolize(deflate + 6);
  EXPECT_EQ(f.function, "deflate");
  EXPECT_EQ(f.offset, 6u);
  EXPECT_EQ(f.module, mount_dir + "/z.so");
  EXPECT_TRUE((*s)->load_errors().empty());
}

}  // namespace
}  // namespace allocprof
