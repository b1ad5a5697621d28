// OpenTargetFile refuses what a hostile target can plant where we look: a
// FIFO (without blocking on it), a directory, a file over its cap, and a
// symlink out of the target's root.
#include "userspace/common/target_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

// A temporary directory that stands for a target's root file system.
class CommonTargetFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/allocprof-target-file-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    ASSERT_EQ(mkdir(Host("/tmp").c_str(), 0755), 0);
  }
  void TearDown() override {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) remove(it->c_str());
    rmdir(Host("/tmp").c_str());
    rmdir(root_.c_str());
  }
  // The host path of `path` inside the root, removed at the end.
  std::string Host(const std::string& path) { return root_ + path; }
  std::string Made(const std::string& path) {
    made_.push_back(Host(path));
    return Host(path);
  }
  void Write(const std::string& path, const std::string& text) {
    std::ofstream(Made(path), std::ios::binary) << text;
  }
  // The root held as ProcessHandle holds a target's /proc/PID/root.
  UniqueFd RootFd() { return UniqueFd(open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)); }

  std::string root_;
  std::vector<std::string> made_;
};

TEST_F(CommonTargetFile, ReadsARegularFileInsideTheRoot) {
  Write("/tmp/perf-1.map", "1000 10 jitted\n");
  UniqueFd root = RootFd();
  ASSERT_TRUE(root.valid());
  absl::StatusOr<std::string> text =
      ReadTargetFile(absl::StrCat(FdPath(root), "/tmp/perf-1.map"), kMaxPerfMapBytes);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "1000 10 jitted\n");
  // And by its host path.
  text = ReadTargetFile(Host("/tmp/perf-1.map"), kMaxPerfMapBytes);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "1000 10 jitted\n");
}

TEST_F(CommonTargetFile, RefusesAFifoWithoutBlocking) {
  ASSERT_EQ(mkfifo(Made("/tmp/perf-1.map").c_str(), 0644), 0);
  UniqueFd root = RootFd();
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<UniqueFd> fd =
      OpenTargetFile(absl::StrCat(FdPath(root), "/tmp/perf-1.map"), kMaxPerfMapBytes);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(fd.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(fd.status())) << fd.status();
  EXPECT_TRUE(absl::StrContains(fd.status().message(), "is not a regular file"))
      << fd.status();
}

TEST_F(CommonTargetFile, RefusesADirectory) {
  UniqueFd root = RootFd();
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(absl::StrCat(FdPath(root), "/tmp"), kMaxElfBytes);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.status().message(),
            absl::StrCat(FdPath(root), "/tmp is not a regular file"));
  // The root descriptor itself, named as one of ours, is no file either.
  fd = OpenTargetFile(FdPath(root), kMaxElfBytes);
  EXPECT_FALSE(fd.ok());
}

TEST_F(CommonTargetFile, RefusesAFileOverItsCapByItsSize) {
  // Sparse: 2 GiB that cost nothing, and must not be read.
  const std::string path = Made("/tmp/perf-1.map");
  {
    UniqueFd out(open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(out.valid());
    ASSERT_EQ(ftruncate(out.get(), off_t{2} << 30), 0);
  }
  UniqueFd root = RootFd();
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::string> text =
      ReadTargetFile(absl::StrCat(FdPath(root), "/tmp/perf-1.map"), kMaxPerfMapBytes);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(text.status())) << text.status();
  EXPECT_TRUE(absl::StrContains(text.status().message(), "too large")) << text.status();

  // At the cap is fine, a byte over is not.
  Write("/tmp/small", "12345");
  EXPECT_TRUE(ReadTargetFile(Host("/tmp/small"), 5).ok());
  EXPECT_FALSE(ReadTargetFile(Host("/tmp/small"), 4).ok());
}

TEST_F(CommonTargetFile, AbsoluteSymlinkStaysInsideTheRoot) {
  // The target points its perf map at a file of ours.
  ASSERT_EQ(symlink("/etc/passwd", Made("/tmp/perf-1.map").c_str()), 0);
  UniqueFd root = RootFd();
  absl::StatusOr<std::string> text =
      ReadTargetFile(absl::StrCat(FdPath(root), "/tmp/perf-1.map"), kMaxPerfMapBytes);
  // Resolved in the root, /etc/passwd is the root's, and it has none.
  ASSERT_FALSE(text.ok()) << "read " << text->substr(0, 40);
  EXPECT_TRUE(absl::IsNotFound(text.status())) << text.status();

  // Nor does ".." climb out of it.
  ASSERT_EQ(symlink("../../../../../../etc/passwd", Made("/tmp/up.map").c_str()), 0);
  text = ReadTargetFile(absl::StrCat(FdPath(root), "/tmp/up.map"), kMaxPerfMapBytes);
  EXPECT_FALSE(text.ok());
  text = ReadTargetFile(absl::StrCat(FdPath(root), "/../../etc/passwd"), kMaxPerfMapBytes);
  EXPECT_FALSE(text.ok());
}

TEST_F(CommonTargetFile, SymlinkWithinTheRootIsFollowed) {
  ASSERT_EQ(mkdir(Made("/etc").c_str(), 0755), 0);
  Write("/etc/passwd", "the root's own\n");
  ASSERT_EQ(symlink("/etc/passwd", Made("/tmp/perf-1.map").c_str()), 0);
  UniqueFd root = RootFd();
  absl::StatusOr<std::string> text =
      ReadTargetFile(absl::StrCat(FdPath(root), "/tmp/perf-1.map"), kMaxPerfMapBytes);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "the root's own\n");
}

TEST_F(CommonTargetFile, MagicLinksAreNotFollowed) {
  // /proc/self/root inside a root that has its own /proc would lead to our
  // root; here: a symlink to a /proc magic link from the host.
  ASSERT_EQ(symlink("/proc/self/root/etc/passwd", Made("/tmp/magic.map").c_str()), 0);
  absl::StatusOr<std::string> text = ReadTargetFile(Host("/tmp/magic.map"), kMaxPerfMapBytes);
  EXPECT_FALSE(text.ok());
}

TEST_F(CommonTargetFile, AnOpenFileOfOursReopensAsItself) {
  Write("/tmp/lib.so", "ELF-ish");
  UniqueFd held(open(Host("/tmp/lib.so").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(held.valid());
  absl::StatusOr<std::string> text = ReadTargetFile(FdPath(held), kMaxElfBytes);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "ELF-ish");
}

TEST_F(CommonTargetFile, MissingFileIsNotFoundNamingThePath) {
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(Host("/tmp/none"), kMaxElfBytes);
  ASSERT_FALSE(fd.ok());
  EXPECT_TRUE(absl::IsNotFound(fd.status())) << fd.status();
  EXPECT_TRUE(absl::StrContains(fd.status().message(), Host("/tmp/none"))) << fd.status();
}

}  // namespace
}  // namespace allocprof
