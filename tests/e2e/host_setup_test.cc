// What a fresh host lacks, allocprof sets up itself: tracefs is not mounted
// on a fresh machine, and the syscall tracepoints need it.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tests/e2e/session.h"

namespace allocprof::e2e {
namespace {

using HostSetupTest = E2eTest;

bool Exists(const char* path) { return access(path, F_OK) == 0; }

TEST_F(HostSetupTest, MountsTracefsWhenItIsMissing) {
  if (Exists("/sys/kernel/debug/tracing/events")) {
    GTEST_SKIP() << "tracefs is reachable through debugfs here; allocprof "
                    "would not need to mount it";
  }
  if (Exists("/sys/kernel/tracing/events") &&
      umount2("/sys/kernel/tracing", MNT_DETACH) != 0) {
    GTEST_SKIP() << "cannot unmount tracefs: " << strerror(errno);
  }
  ASSERT_FALSE(Exists("/sys/kernel/tracing/events"));

  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing({"--", kLeaks, "--now"}, 0, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  EXPECT_TRUE(Exists("/sys/kernel/tracing/events"))
      << "allocprof should have mounted tracefs and left it mounted";
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
