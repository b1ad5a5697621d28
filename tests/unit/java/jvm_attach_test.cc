#include "userspace/java/jvm_attach.h"

#include <signal.h>
#include <unistd.h>

#include "gtest/gtest.h"

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

// This process does not catch SIGQUIT: no listener is started, and no
// signal is sent (the test would die of it).
TEST(RunJcmd, ATargetThatDoesNotCatchSigquitIsNotSignalled) {
  absl::StatusOr<std::string> out = RunJcmd(getpid(), "Compiler.perfmap", absl::Seconds(1));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("does not catch SIGQUIT"), std::string::npos)
      << out.status();
}

TEST(RunJcmd, NoSuchProcessFails) {
  // PIDs are below pid_max (at most 2^22): this one exists nowhere.
  auto out = RunJcmd(1 << 23, "Compiler.perfmap", absl::Seconds(1));
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace allocprof
