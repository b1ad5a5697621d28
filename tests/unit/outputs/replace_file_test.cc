#include "userspace/outputs/replace_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

using ::testing::HasSubstr;

class ReplaceFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/replace_file_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  // How many entries the directory holds.
  int Entries() const {
    FILE* p = popen(("ls -A '" + dir_ + "' | wc -l").c_str(), "r");
    char buf[32] = {};
    if (p != nullptr) {
      (void)fgets(buf, sizeof(buf), p);
      pclose(p);
    }
    return atoi(buf);
  }

  std::string dir_;
};

TEST_F(ReplaceFileTest, WritesANewFileWhole) {
  const mode_t old = umask(022);
  ASSERT_TRUE(ReplaceFile("--folded", Path("out.folded"), "main;f 42\n").ok());
  umask(old);
  EXPECT_EQ(Read(Path("out.folded")), "main;f 42\n");
  struct stat st;
  ASSERT_EQ(lstat(Path("out.folded").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(Entries(), 1) << "no temporary file is left behind";
}

TEST_F(ReplaceFileTest, ReplacesAnExistingFile) {
  Write(Path("out.json"), "an older and longer profile");
  ASSERT_TRUE(ReplaceFile("--json", Path("out.json"), "{}").ok());
  EXPECT_EQ(Read(Path("out.json")), "{}");
  EXPECT_EQ(Entries(), 1);
}

TEST_F(ReplaceFileTest, APlantedLinkIsReplacedNotFollowed) {
  Write(Path("victim"), "precious");
  ASSERT_EQ(symlink(Path("victim").c_str(), Path("out.folded").c_str()), 0);
  ASSERT_TRUE(CheckReplaceable("--folded", Path("out.folded")).ok());
  ASSERT_TRUE(ReplaceFile("--folded", Path("out.folded"), "main 1\n").ok());
  EXPECT_EQ(Read(Path("victim")), "precious");
  struct stat st;
  ASSERT_EQ(lstat(Path("out.folded").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(Read(Path("out.folded")), "main 1\n");
}

TEST_F(ReplaceFileTest, ADanglingLinkIsReplacedAndItsTargetNotCreated) {
  ASSERT_EQ(symlink(Path("created-by-link").c_str(), Path("out.pb.gz").c_str()), 0);
  ASSERT_TRUE(ReplaceFile("--pprof", Path("out.pb.gz"), "x").ok());
  EXPECT_NE(access(Path("created-by-link").c_str(), F_OK), 0);
}

TEST_F(ReplaceFileTest, ADeviceIsRefusedUpFront) {
  absl::Status s = CheckReplaceable("--folded", "/dev/full");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot write --folded /dev/full: not a regular file");
  EXPECT_FALSE(ReplaceFile("--folded", "/dev/full", "x").ok());
}

TEST_F(ReplaceFileTest, ALinkToADeviceIsRefused) {
  ASSERT_EQ(symlink("/dev/null", Path("out.folded").c_str()), 0);
  absl::Status s = CheckReplaceable("--folded", Path("out.folded"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("not a regular file"));
}

TEST_F(ReplaceFileTest, ADirectoryIsRefused) {
  ASSERT_EQ(mkdir(Path("out.json").c_str(), 0755), 0);
  absl::Status s = CheckReplaceable("--json", Path("out.json"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("is a directory"));
  EXPECT_FALSE(ReplaceFile("--json", Path("out.json"), "{}").ok());
  EXPECT_FALSE(CheckReplaceable("--json", dir_ + "/").ok());
}

TEST_F(ReplaceFileTest, AMissingDirectoryIsNamed) {
  absl::Status s = CheckReplaceable("--pprof", "/nonexistent-dir/heap.pb.gz");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("cannot write --pprof /nonexistent-dir/heap.pb.gz"));
  EXPECT_THAT(s.message(), HasSubstr("No such file or directory"));
}

TEST_F(ReplaceFileTest, AReadOnlyDirectoryIsRefused) {
  if (geteuid() == 0) GTEST_SKIP() << "root may write any directory";
  ASSERT_EQ(chmod(dir_.c_str(), 0555), 0);
  absl::Status s = CheckReplaceable("--json", Path("out.json"));
  chmod(dir_.c_str(), 0755);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("not writable"));
}

TEST_F(ReplaceFileTest, AnotherUsersFileInAStickyDirectoryIsRefused) {
  if (geteuid() == 0) {
    ASSERT_EQ(chmod(dir_.c_str(), 01777), 0);
    Write(Path("theirs.folded"), "theirs");
    ASSERT_EQ(chown(Path("theirs.folded").c_str(), 65534, 65534), 0);
    absl::Status s = CheckReplaceable("--folded", Path("theirs.folded"));
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.message(), HasSubstr("uid 65534"));
    EXPECT_THAT(s.message(), HasSubstr("sticky"));
    EXPECT_FALSE(ReplaceFile("--folded", Path("theirs.folded"), "ours").ok());
    EXPECT_EQ(Read(Path("theirs.folded")), "theirs");
    // A link planted there by another user, likewise.
    ASSERT_EQ(symlink(Path("x").c_str(), Path("link.folded").c_str()), 0);
    ASSERT_EQ(lchown(Path("link.folded").c_str(), 65534, 65534), 0);
    EXPECT_FALSE(CheckReplaceable("--folded", Path("link.folded")).ok());
  }
  // Our own file there is ours to replace.
  ASSERT_EQ(chmod(dir_.c_str(), 01777), 0);
  Write(Path("ours.folded"), "old");
  EXPECT_TRUE(CheckReplaceable("--folded", Path("ours.folded")).ok());
  EXPECT_TRUE(ReplaceFile("--folded", Path("ours.folded"), "new").ok());
  EXPECT_EQ(Read(Path("ours.folded")), "new");
}

TEST_F(ReplaceFileTest, APathInTheCurrentDirectory) {
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(chdir(dir_.c_str()), 0);
  absl::Status s = ReplaceFile("--json", "here.json", "{}");
  ASSERT_EQ(chdir(cwd), 0);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Read(Path("here.json")), "{}");
}

}  // namespace
}  // namespace allocprof
