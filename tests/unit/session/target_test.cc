#include "userspace/session/target.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

TEST(IsKernelThreadStat, ReadsPfKthreadFromTheFlagsField) {
  // kthreadd's line on Linux 6.x: flags 0x208040.
  EXPECT_TRUE(IsKernelThreadStat("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 26"));
  // A user process: flags 0x400100.
  EXPECT_FALSE(IsKernelThreadStat("4242 (redis-server) S 1 4242 4242 0 -1 4194560 95 0 0 0"));
  // A name that fakes fields: only what follows the last ')' counts.
  EXPECT_FALSE(IsKernelThreadStat(
      "77 (x) S 0 0 0 0 -1 2129984 ) S 1 77 77 0 -1 4194560 0 0 0 0"));
  EXPECT_FALSE(IsKernelThreadStat(""));
  EXPECT_FALSE(IsKernelThreadStat("1 (init"));
  EXPECT_FALSE(IsKernelThreadStat("1 (init) S 0 1"));
  EXPECT_FALSE(IsKernelThreadStat("1 (init) S 0 1 1 0 -1 notanumber"));
}

TEST(IsKernelThreadStat, ThisProcessIsNot) {
  std::ifstream in("/proc/self/stat");
  std::stringstream stat;
  stat << in.rdbuf();
  EXPECT_FALSE(IsKernelThreadStat(stat.str()));
}

TEST(TargetExisting, AKernelThreadIsNamedAsOne) {
  std::ifstream comm_file("/proc/2/comm");
  std::string comm;
  std::getline(comm_file, comm);
  if (comm != "kthreadd") GTEST_SKIP() << "PID 2 is not kthreadd in this PID namespace";
  auto target = Target::Existing(2);
  ASSERT_FALSE(target.ok());
  EXPECT_THAT(std::string(target.status().message()), ::testing::HasSubstr("PID 2 is a kernel thread"));
}

}  // namespace
}  // namespace allocprof
