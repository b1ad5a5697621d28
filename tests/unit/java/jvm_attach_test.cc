#include "userspace/java/jvm_attach.h"

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

TEST(RunJcmd, NoSuchProcessFails) {
  // PIDs are below pid_max (at most 2^22): this one exists nowhere.
  auto out = RunJcmd(1 << 23, "Compiler.perfmap", absl::Seconds(1));
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace allocprof
