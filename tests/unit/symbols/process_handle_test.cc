#include "userspace/symbols/process_handle.h"

#include <sys/stat.h>
#include <unistd.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

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
