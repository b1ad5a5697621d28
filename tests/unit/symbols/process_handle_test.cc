#include "userspace/symbols/process_handle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/common/child_process.h"

namespace allocprof {
namespace {

TEST(SymbolsProcessHandle, NamespacePidIsTheInnermost) {
  EXPECT_EQ(*ParseNamespacePid("Name:\tx\nPid:\t4242\nNSpid:\t4242\t17\n"
                               "NSpgid:\t4242\t17\n",
                               4242),
            17);
  EXPECT_EQ(*ParseNamespacePid("NSpid:\t4242\n", 4242), 4242);
}

TEST(SymbolsProcessHandle, NamespacePidWithoutTheLineIsThePid) {
  EXPECT_EQ(*ParseNamespacePid("Name:\tx\nPid:\t4242\n", 4242), 4242);
}

TEST(SymbolsProcessHandle, MalformedNamespacePid) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParseNamespacePid("NSpid:\t\n", 1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParseNamespacePid("NSpid:\t12 x\n", 1).status()));
}

TEST(SymbolsProcessHandle, OwnProcess) {
  absl::StatusOr<ProcessHandle> self = ProcessHandle::Open(getpid());
  ASSERT_TRUE(self.ok()) << self.status();
  EXPECT_EQ(self->pid(), getpid());
  EXPECT_EQ(*self->NamespacePid(), getpid());

  // The root path leads to the same file as the plain path.
  std::string path = self->RootPath("/proc/self/exe");
  EXPECT_EQ(path.rfind("/proc/self/fd/", 0), 0u) << path;
  struct stat via_root, direct;
  ASSERT_EQ(::stat(self->RootPath("/etc/passwd").c_str(), &via_root), 0);
  ASSERT_EQ(::stat("/etc/passwd", &direct), 0);
  EXPECT_EQ(via_root.st_ino, direct.st_ino);
  EXPECT_EQ(via_root.st_dev, direct.st_dev);

  absl::StatusOr<std::string> maps = self->ReadProcFile("maps");
  ASSERT_TRUE(maps.ok()) << maps.status();
  EXPECT_FALSE(maps->empty());

  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe));
  ASSERT_GT(n, 0);
  EXPECT_EQ(self->ReadProcLink("exe").value_or(""), std::string(exe, n));

  absl::StatusOr<ProcessHandle> copy = self->Duplicate();
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->pid(), getpid());
  EXPECT_TRUE(copy->ReadProcFile("maps").ok());
}

// Taken while the child ran, the handle reads nothing of it once it has
// been reaped -- nor of a process given its PID after (clone3's set_tid,
// which needs CAP_SYS_ADMIN).
TEST(SymbolsProcessHandle, NothingIsReadOnceItsProcessIsGone) {
  pid_t pid = 0;
  absl::StatusOr<ProcessHandle> handle = absl::UnknownError("not opened");
  {
    ChildProcess child;
    ASSERT_GT(child.pid(), 0);
    pid = child.pid();
    handle = ProcessHandle::Open(pid);
    ASSERT_TRUE(handle.ok()) << handle.status();
    ASSERT_TRUE(handle->ReadProcFile("status").ok());
  }
  EXPECT_TRUE(absl::IsNotFound(handle->ReadProcFile("status").status()));
  EXPECT_TRUE(absl::IsNotFound(handle->ReadProcLink("exe").status()));
  EXPECT_TRUE(absl::IsNotFound(handle->OpenMemory().status()));

  ChildProcess impostor(nullptr, pid);
  if (impostor.pid() < 0) GTEST_SKIP() << "cannot choose a child's PID (needs CAP_SYS_ADMIN)";
  ASSERT_EQ(impostor.pid(), pid);
  ASSERT_TRUE(ProcessHandle::Open(pid).ok());  // the PID is the impostor's now
  EXPECT_TRUE(absl::IsNotFound(handle->ReadProcFile("status").status()));
  EXPECT_TRUE(absl::IsNotFound(handle->OpenProcFile("maps", O_RDONLY).status()));
  EXPECT_TRUE(absl::IsNotFound(handle->OpenMemory().status()));
}

TEST(SymbolsProcessHandle, NoSuchProcess) {
  // Above the largest pid_max the kernel allows (2^22).
  absl::StatusOr<ProcessHandle> none = ProcessHandle::Open(0x3fffffff);
  EXPECT_TRUE(absl::IsNotFound(none.status())) << none.status();
  EXPECT_NE(none.status().message().find("no such process"),
            absl::string_view::npos);
  EXPECT_TRUE(absl::IsInvalidArgument(ProcessHandle::Open(0).status()));
}

}  // namespace
}  // namespace allocprof
