#include "userspace/java/jvm_attach.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/unit/common/child_process.h"
#include "userspace/common/unique_fd.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {
namespace {

TEST(AttachRequest, VersionCommandAndThreeArguments) {
  using std::string_literals::operator""s;
  EXPECT_EQ(AttachRequest("jcmd", {"Compiler.perfmap"}),
            "1\0jcmd\0Compiler.perfmap\0\0\0"s);
  EXPECT_EQ(AttachRequest("properties", {}), "1\0properties\0\0\0\0"s);
}

TEST(ParseAttachReply, ResultCodeThenOutput) {
  auto ok = ParseAttachReply("0\nwritten\n");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->code, 0);
  EXPECT_EQ(ok->output, "written\n");
  auto failed = ParseAttachReply("-1\njava.lang.IllegalArgumentException: Unknown diagnostic command");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->code, -1);
  auto bare = ParseAttachReply("0");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->output, "");
  EXPECT_FALSE(ParseAttachReply("").ok());
  EXPECT_FALSE(ParseAttachReply("hello\n").ok());
}

TEST(CatchesSignal, ReadsTheSigCgtMask) {
  // A JVM's: SIGQUIT (3) among the signals it catches.
  const std::string jvm = "Name:\tjava\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
                          "SigCgt:\t2000000181005ccf\n";
  EXPECT_TRUE(CatchesSignal(jvm, SIGQUIT));
  EXPECT_TRUE(CatchesSignal(jvm, SIGSEGV));
  EXPECT_FALSE(CatchesSignal(jvm, SIGUSR1));  // bit 9 clear
  // -Xrs, or not started yet: SIGQUIT would kill it.
  EXPECT_FALSE(CatchesSignal("SigCgt:\t0000000181005ccb\n", SIGQUIT));
  EXPECT_FALSE(CatchesSignal("Name:\tjava\n", SIGQUIT));
  EXPECT_FALSE(CatchesSignal("SigCgt:\tnot hex\n", SIGQUIT));
}

UniqueFd PidfdOf(pid_t pid) {
  return UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
}

// This process does not catch SIGQUIT: no listener is started, and no
// signal is sent (the test would die of it).
TEST(RunJcmd, ATargetThatDoesNotCatchSigquitIsNotSignalled) {
  absl::StatusOr<ProcessHandle> self = ProcessHandle::Open(getpid());
  ASSERT_TRUE(self.ok()) << self.status();
  const UniqueFd pidfd = PidfdOf(getpid());
  ASSERT_TRUE(pidfd.valid());
  absl::StatusOr<std::string> out =
      RunJcmd(*self, pidfd.get(), "Compiler.perfmap", absl::Seconds(1));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("does not catch SIGQUIT"), std::string::npos)
      << out.status();
}

// A scratch directory standing for the JVM's root, with a tmp/ in it.
class TriggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/jvm_attach_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(mkdir((dir_ + "/tmp").c_str(), 01777), 0);
    root_ = open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_, 0);
  }
  void TearDown() override {
    close(root_);
    std::string cmd = "rm -rf '" + dir_ + "'";
    (void)system(cmd.c_str());
  }
  bool Exists(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
  }
  std::string dir_;
  int root_ = -1;
};

TEST_F(TriggerTest, CreatesAPrivateRegularFile) {
  AttachTriggerResult r = CreateAttachTrigger(root_, "tmp/.attach_pid42", getuid());
  EXPECT_EQ(r.outcome, AttachTriggerResult::kCreated);
  struct stat st;
  ASSERT_EQ(lstat((dir_ + "/tmp/.attach_pid42").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(TriggerTest, AFileOfTheJvmsUserAlreadyThereIsUsed) {
  close(open((dir_ + "/tmp/.attach_pid42").c_str(), O_WRONLY | O_CREAT, 0600));
  EXPECT_EQ(CreateAttachTrigger(root_, "tmp/.attach_pid42", getuid()).outcome,
            AttachTriggerResult::kExisted);
  // The same file, owned by someone else: not the JVM's trigger.
  EXPECT_EQ(CreateAttachTrigger(root_, "tmp/.attach_pid42", getuid() + 1).outcome,
            AttachTriggerResult::kRefused);
}

TEST_F(TriggerTest, APlantedSymlinkIsNeitherFollowedNorAccepted) {
  const std::string victim = dir_ + "/victim";
  ASSERT_EQ(symlink(victim.c_str(), (dir_ + "/tmp/.attach_pid42").c_str()), 0);
  EXPECT_EQ(CreateAttachTrigger(root_, "tmp/.attach_pid42", getuid()).outcome,
            AttachTriggerResult::kRefused);
  EXPECT_FALSE(Exists(victim));
  // A dangling relative link, and one to an existing file of ours.
  close(open(victim.c_str(), O_WRONLY | O_CREAT, 0600));
  EXPECT_EQ(CreateAttachTrigger(root_, "tmp/.attach_pid42", getuid()).outcome,
            AttachTriggerResult::kRefused);
}

TEST_F(TriggerTest, ADirectoryThereIsRefused) {
  ASSERT_EQ(mkdir((dir_ + "/tmp/.attach_pid42").c_str(), 0700), 0);
  EXPECT_EQ(CreateAttachTrigger(root_, "tmp/.attach_pid42", getuid()).outcome,
            AttachTriggerResult::kRefused);
}

TEST_F(TriggerTest, ALinkedTmpIsNotFollowedOutOfTheRoot) {
  // The target's /tmp made a link to our /tmp (absolute) or a sibling.
  char outside_tmpl[] = "/tmp/jvm_attach_outside.XXXXXX";
  ASSERT_NE(mkdtemp(outside_tmpl), nullptr);
  const std::string outside = outside_tmpl;
  ASSERT_EQ(rmdir((dir_ + "/tmp").c_str()), 0);
  ASSERT_EQ(symlink(outside.c_str(), (dir_ + "/tmp").c_str()), 0);
  AttachTriggerResult r = CreateAttachTrigger(root_, "tmp/.attach_pid42", getuid());
  EXPECT_EQ(r.outcome, AttachTriggerResult::kFailed);
  EXPECT_EQ(r.err, ELOOP);
  EXPECT_FALSE(Exists(outside + "/.attach_pid42"));
  rmdir(outside.c_str());
}

TEST_F(TriggerTest, DotDotStaysInsideTheRoot) {
  // RESOLVE_IN_ROOT: ".." at the root is the root itself.
  AttachTriggerResult r = CreateAttachTrigger(root_, "../../tmp/.attach_pid43", getuid());
  EXPECT_EQ(r.outcome, AttachTriggerResult::kCreated);
  EXPECT_TRUE(Exists(dir_ + "/tmp/.attach_pid43"));
}

TEST(DropToUser, CannotTakeRootBack) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to change user";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (DropToUser(65534, 65534) != 0) _exit(1);
    if (getuid() != 65534 || getegid() != 65534) _exit(2);
    if (setuid(0) == 0 || setgid(0) == 0) _exit(3);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DropToUser, FailsWithoutThePrivilegeToChange) {
  if (geteuid() == 0) GTEST_SKIP() << "root may change user";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(DropToUser(0, 0) != 0 ? 0 : 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

class ReplyTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(pipe2(fds_, O_CLOEXEC), 0); }
  void TearDown() override {
    close(fds_[0]);
    if (fds_[1] >= 0) close(fds_[1]);
  }
  void Write(const std::string& s) {
    ASSERT_EQ(write(fds_[1], s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
  void CloseWriter() {
    close(fds_[1]);
    fds_[1] = -1;
  }
  int fds_[2];
};

TEST_F(ReplyTest, ReadsToTheEnd) {
  Write("0\nwritten\n");
  CloseWriter();
  auto r = ReadReply(fds_[0], absl::Now() + absl::Seconds(5), 64);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "0\nwritten\n");
}

TEST_F(ReplyTest, AReplyOverTheCapIsAnError) {
  Write(std::string(65, 'x'));
  CloseWriter();
  auto r = ReadReply(fds_[0], absl::Now() + absl::Seconds(5), 64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(ReplyTest, ExactlyTheCapIsRead) {
  Write(std::string(64, 'x'));
  CloseWriter();
  auto r = ReadReply(fds_[0], absl::Now() + absl::Seconds(5), 64);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), 64u);
}

TEST_F(ReplyTest, ASilentPeerTimesOut) {
  Write("0\n");  // and never closes
  const absl::Time start = absl::Now();
  auto r = ReadReply(fds_[0], start + absl::Milliseconds(200), 64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

// Its handles were taken while it ran: once it has exited, whether reaped
// or not, nothing is read through them and no signal sent.
TEST(RunJcmd, AnExitedProcessIsNotSignalled) {
  for (bool reaped : {false, true}) {
    ChildProcess child;
    ASSERT_GT(child.pid(), 0);
    absl::StatusOr<ProcessHandle> handle = ProcessHandle::Open(child.pid());
    ASSERT_TRUE(handle.ok()) << handle.status();
    const UniqueFd pidfd = PidfdOf(child.pid());
    ASSERT_TRUE(pidfd.valid());
    if (reaped) {
      child.Reap();
    } else {
      ASSERT_EQ(kill(child.pid(), SIGKILL), 0);
      siginfo_t info;
      ASSERT_EQ(waitid(P_PID, child.pid(), &info, WEXITED | WNOWAIT), 0);  // a zombie
    }
    auto out = RunJcmd(*handle, pidfd.get(), "Compiler.perfmap", absl::Seconds(1));
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound) << reaped << out.status();
  }
}

}  // namespace
}  // namespace allocprof
