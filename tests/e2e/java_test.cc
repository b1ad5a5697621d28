// A Java target on Debian's OpenJDK with default flags, attached with -p:
// its direct memory is found in libjvm's Unsafe_AllocateMemory0 with exact
// bytes, and compiled Java frames are named through the JVM's attach
// listener (no jcmd, no restart). Ground truth: testprogs/java/JavaLeaks.java.
#include <signal.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"

namespace allocprof::e2e {
namespace {

using ::testing::HasSubstr;

const char* const kJava = ALLOCPROF_E2E_JAVA;
const char* const kJavaLeaksJar = ALLOCPROF_E2E_JAVA_LEAKS_JAR;
// JavaLeaks.java's LEAK_COUNT x LEAK_SIZE.
constexpr int64_t kLeakedBytes = 64 * 100000;

class JavaTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    ASSERT_TRUE(*kJava && access(kJava, X_OK) == 0)
        << "no JDK at build time: scripts/install-deps.sh installs openjdk-17-jdk-headless";
  }
};

TEST_F(JavaTest, DirectMemoryOfARunningJvmWithCompiledFramesNamed) {
  const std::string folded_path = ScratchPath("java.folded");
  Target target;
  // The JVM starts and warms up in a few seconds even on a busy host.
  ASSERT_NO_FATAL_FAILURE(
      StartTarget(kJava, {"-cp", kJavaLeaksJar, "JavaLeaks"}, &target));
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-p", std::to_string(target.pid), "--folded", folded_path, "-v"}, target.pid, &ap));
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
  ASSERT_NO_FATAL_FAILURE(StopTracingThenTarget(ap.get(), &target));

  const std::string context = Outputs(*ap);
  EXPECT_THAT(ap->out(), HasSubstr("compiled Java frames are named from the JVM's perf map"))
      << context;
  const Folded folded = ParseFolded(ReadFile(folded_path));
  // Every direct byte the program kept, once.
  EXPECT_EQ(BytesThrough(folded, "Unsafe_AllocateMemory0"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0") << context;
  // Above it, compiled java.nio code, by its Java name from the perf map.
  bool named = false;
  for (const FoldedStack& stack : folded.stacks) {
    bool through_unsafe = false, java_nio = false;
    for (const std::string& frame : stack.frames) {
      through_unsafe |= frame.rfind("Unsafe_AllocateMemory0", 0) == 0;
      java_nio |= frame.find("java.nio.") != std::string::npos;
    }
    named |= through_unsafe && java_nio;
  }
  EXPECT_TRUE(named) << "no compiled java.nio frame named\n"
                     << StacksThrough(folded, "Unsafe_AllocateMemory0");
  ExpectNoProgramsLeft();
}

TEST_F(JavaTest, NoJavaLeavesTheJvmAlone) {
  Target target;
  ASSERT_NO_FATAL_FAILURE(
      StartTarget(kJava, {"-cp", kJavaLeaksJar, "JavaLeaks"}, &target));
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(
      StartTracing({"-p", std::to_string(target.pid), "--no-java", "-d", "1"}, target.pid, &ap));
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  EXPECT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  EXPECT_THAT(ap->out(), testing::Not(HasSubstr("Java:"))) << Outputs(*ap);
  // No attach listener was started: its socket is not there.
  EXPECT_NE(access(("/tmp/.java_pid" + std::to_string(target.pid)).c_str(), F_OK), 0);
  target.proc->Signal(SIGTERM);
  ASSERT_TRUE(target.proc->WaitExit(kRunTimeout));
}

}  // namespace
}  // namespace allocprof::e2e
