#include "userspace/common/session_log.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

using ::testing::ElementsAre;

TEST(SessionLog, NotesAreKeptAndSaidOnlyOnceTracingBegan) {
  std::ostringstream err;
  SessionLog log(err, /*verbose=*/false);
  log.Note("no unwind table for /a");
  EXPECT_EQ(err.str(), "") << "found while attaching: for the report only";
  log.SayNotesFromNow();
  log.Note("no unwind table for /b");
  EXPECT_EQ(err.str(), "allocprof: no unwind table for /b\n");
  EXPECT_THAT(log.notes(), ElementsAre("no unwind table for /a", "no unwind table for /b"));
}

TEST(SessionLog, ANoteFoundAgainIsKeptAndSaidOnce) {
  std::ostringstream err;
  SessionLog log(err, /*verbose=*/false);
  log.SayNotesFromNow();
  log.Note("no uprobe sessions (the kernel: EINVAL)");
  log.Note("no uprobe sessions (the kernel: EINVAL)");
  EXPECT_EQ(err.str(), "allocprof: no uprobe sessions (the kernel: EINVAL)\n");
  EXPECT_THAT(log.notes(), ElementsAre("no uprobe sessions (the kernel: EINVAL)"));
}

TEST(SessionLog, VerboseStreamOnlyWithVerbose) {
  std::ostringstream quiet_err;
  SessionLog quiet(quiet_err, /*verbose=*/false);
  EXPECT_EQ(quiet.verbose(), nullptr);

  std::ostringstream err;
  SessionLog log(err, /*verbose=*/true);
  ASSERT_NE(log.verbose(), nullptr);
  *log.verbose() << "allocprof: probe malloc\n";
  EXPECT_EQ(err.str(), "allocprof: probe malloc\n");
  EXPECT_THAT(log.notes(), ::testing::IsEmpty()) << "-v lines are not notes";
}

TEST(SessionLog, TheTargetsWordsAreEscaped) {
  std::ostringstream err;
  SessionLog log(err, /*verbose=*/true);
  // A path the target chose, with a terminal escape sequence in it.
  log.Say("cannot read /tmp/\x1b]0;owned\x07lib.so");
  *log.verbose() << "allocprof: probe in /tmp/\x1b[2Jlib.so\n";
  EXPECT_EQ(err.str().find('\x1b'), std::string::npos) << err.str();
  EXPECT_EQ(err.str().find('\x07'), std::string::npos) << err.str();
}

}  // namespace
}  // namespace allocprof
