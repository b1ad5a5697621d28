// A Java target on Debian's OpenJDK with default flags, attached with -p:
// its direct memory is found in libjvm's Unsafe_AllocateMemory0 with exact
// bytes, and compiled Java frames are named through the JVM's attach
// listener (no jcmd, no restart). Ground truth: testprogs/java/JavaLeaks.java.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/outputs.h"
#include "tests/e2e/session.h"
#include "tests/testprogs/testprog.h"

namespace allocprof::e2e {
namespace {

using ::testing::HasSubstr;

const char* const kJava = ALLOCPROF_E2E_JAVA;
const char* const kJavaLeaksJar = ALLOCPROF_E2E_JAVA_LEAKS_JAR;
const char* const kNettyClasspath = ALLOCPROF_E2E_NETTY_CLASSPATH;
const char* const kJavaSources = ALLOCPROF_E2E_JAVA_SOURCES;
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

// A Java test program (`classpath`, `main_class`) run by `launcher`
// (empty, or a command that execs the rest: the JVM keeps its PID), traced
// with -p from its ready line to its done line; the folded stacks and
// allocprof's process come back.
void TraceJavaProgram(const std::string& classpath, const std::string& main_class,
                      const std::vector<std::string>& launcher,
                      const std::vector<std::string>& java_flags, const std::string& folded_path,
                      std::unique_ptr<Process>* ap) {
  std::vector<std::string> argv = launcher;
  argv.push_back(kJava);
  argv.insert(argv.end(), java_flags.begin(), java_flags.end());
  argv.insert(argv.end(), {"-cp", classpath, main_class});
  Target target;
  // The JVM starts and warms up in a few seconds even on a busy host.
  ASSERT_NO_FATAL_FAILURE(StartTarget(argv[0], {argv.begin() + 1, argv.end()}, &target));
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-p", std::to_string(target.pid), "--folded", folded_path, "-v"}, target.pid, ap));
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
  ASSERT_NO_FATAL_FAILURE(StopTracingThenTarget(ap->get(), &target));
}

void TraceJavaLeaks(const std::vector<std::string>& launcher,
                    const std::vector<std::string>& java_flags, const std::string& folded_path,
                    std::unique_ptr<Process>* ap) {
  TraceJavaProgram(kJavaLeaksJar, "JavaLeaks", launcher, java_flags, folded_path, ap);
}

// The line of a test program's source (testprogs/java/FILE) that ends
// with the comment `marker`; 0 when none does.
int MarkedLine(const std::string& file, const std::string& marker) {
  const std::vector<std::string> lines =
      absl::StrSplit(ReadFile(absl::StrCat(kJavaSources, "/", file)), '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (absl::EndsWith(lines[i], absl::StrCat("// ", marker))) return static_cast<int>(i + 1);
  }
  return 0;
}

// The bytes of the stacks through Unsafe_AllocateMemory0 that have a frame
// containing `text`: in its function (BytesAboveUnsafe), or in the frame
// as written, with its source line (BytesAboveNamed).
int64_t BytesAbove(const Folded& folded, const std::string& text, bool with_lines) {
  int64_t bytes = 0;
  for (const FoldedStack& stack : folded.stacks) {
    bool through_unsafe = false, found = false;
    for (size_t i = 0; i < stack.frames.size(); ++i) {
      through_unsafe |= stack.frames[i].rfind("Unsafe_AllocateMemory0", 0) == 0;
      found |= (with_lines ? stack.named : stack.frames)[i].find(text) != std::string::npos;
    }
    if (through_unsafe && found) bytes += stack.bytes;
  }
  return bytes;
}
int64_t BytesAboveUnsafe(const Folded& folded, const std::string& text) {
  return BytesAbove(folded, text, false);
}
int64_t BytesAboveNamed(const Folded& folded, const std::string& text) {
  return BytesAbove(folded, text, true);
}

TEST_F(JavaTest, DirectMemoryOfARunningJvmWithCompiledFramesNamed) {
  const std::string folded_path = ScratchPath("java.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(TraceJavaLeaks({}, {}, folded_path, &ap));
  const std::string context = Outputs(*ap);
  EXPECT_THAT(ap->out(), HasSubstr("compiled Java frames are named from the JVM's perf map"))
      << context;
  const Folded folded = ParseFolded(ReadFile(folded_path));
  // Every direct byte the program kept, once.
  EXPECT_EQ(BytesThrough(folded, "Unsafe_AllocateMemory0"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0") << context;
  // Above it, compiled java.nio code, by its Java name from the perf map,
  // and the walk goes on through it (rows from its prologue) and the
  // interpreted frames of JavaLeaks down to the thread's start.
  EXPECT_EQ(BytesAboveUnsafe(folded, "java.nio."), kLeakedBytes)
      << "no compiled java.nio frame named\n"
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
  EXPECT_EQ(BytesAboveUnsafe(folded, "JavaMain"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
  // The interpreted frames are named from their Method*: the program's own
  // leaking method is there by name, with its (empty) argument list, and
  // at the line that allocates, from the frame's bytecode pointer.
  const int leak_line = MarkedLine("JavaLeaks.java", "THE LEAK'S LINE");
  ASSERT_GT(leak_line, 0);
  EXPECT_EQ(BytesAboveUnsafe(folded, "JavaLeaks.leakDirect() [interpreted]"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
  EXPECT_EQ(BytesAboveNamed(folded, absl::StrCat("JavaLeaks.leakDirect() [interpreted] "
                                                 "(JavaLeaks.java:",
                                                 leak_line, ")")),
            kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
  // Unsafe.allocateMemory0 is a native method: its wrapper is named so.
  EXPECT_EQ(BytesAboveUnsafe(folded, "jdk.internal.misc.Unsafe.allocateMemory0(long) [native]"),
            kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
  EXPECT_THAT(ap->out(), HasSubstr("interpreted frames are named from the Method*")) << context;
  ExpectNoProgramsLeft();
}

// With frame pointers kept in compiled code, the walk goes through every
// Java frame down to the thread's start (the launcher's JavaMain).
TEST_F(JavaTest, PreserveFramePointerGivesWholeStacks) {
  const std::string folded_path = ScratchPath("java_fp.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(
      TraceJavaLeaks({}, {"-XX:+PreserveFramePointer"}, folded_path, &ap));
  const Folded folded = ParseFolded(ReadFile(folded_path));
  EXPECT_EQ(BytesThrough(folded, "Unsafe_AllocateMemory0"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0") << Outputs(*ap);
  // Every one of those stacks goes down to the thread's start, through
  // compiled java.nio code and the interpreted frames of JavaLeaks.
  EXPECT_EQ(BytesAboveUnsafe(folded, "JavaMain"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
  EXPECT_EQ(BytesAboveUnsafe(folded, "java.nio."), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
}

// A JVM whose /tmp is read-only (its own mount namespace) can start no
// attach listener and write no perf map: the report comes all the same,
// with every byte, and says why Java frames have no names.
TEST_F(JavaTest, ReadOnlyTmpStillReportsAndSaysWhy) {
  const std::string folded_path = ScratchPath("java_ro.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(TraceJavaLeaks(
      {"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
       "mount --bind -o ro /tmp /tmp && exec \"$0\" \"$@\""},
      {}, folded_path, &ap));
  EXPECT_THAT(ap->out(), HasSubstr("compiled Java frames are not named")) << Outputs(*ap);
  EXPECT_THAT(ap->out(), HasSubstr("Read-only file system")) << Outputs(*ap);
  const Folded folded = ParseFolded(ReadFile(folded_path));
  EXPECT_EQ(BytesThrough(folded, "Unsafe_AllocateMemory0"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0") << Outputs(*ap);
}

// Netty's pooled allocator, with default flags: the handler that forgets to
// release its replies makes the pool open new 16 MiB chunks, and the stack
// of each goes from malloc through Unsafe_AllocateMemory0 and Netty's arena
// (newChunk, allocateDirect) and the pipeline to the handler's own method
// -- by name, and at the line that allocates, whether the JIT compiled it
// on its own or inlined it into the pipeline's code -- and the thread's
// start.
TEST_F(JavaTest, NettyPooledChunksLeadToTheLeakingHandler) {
  ASSERT_NE(*kNettyClasspath, '\0')
      << "no Netty at build time: scripts/install-deps.sh installs libnetty-java";
  const int reply_line = MarkedLine("NettyLeaks.java", "THE REPLY'S LINE");
  ASSERT_GT(reply_line, 0);
  const std::string folded_path = ScratchPath("netty.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(
      TraceJavaProgram(kNettyClasspath, "NettyLeaks", {}, {}, folded_path, &ap));
  const Folded folded = ParseFolded(ReadFile(folded_path));
  constexpr int64_t kChunk = 16 << 20;  // pageSize 8192 << maxOrder 11
  // The largest stack through Unsafe_AllocateMemory0 holds whole chunks.
  const FoldedStack* top = nullptr;
  for (const FoldedStack& s : folded.stacks) {
    bool unsafe = false;
    for (const std::string& f : s.frames) unsafe |= f.rfind("Unsafe_AllocateMemory0", 0) == 0;
    if (unsafe && (top == nullptr || s.bytes > top->bytes)) top = &s;
  }
  ASSERT_NE(top, nullptr) << StacksThrough(folded, "Unsafe_AllocateMemory0") << Outputs(*ap);
  EXPECT_GE(top->bytes, kChunk) << top->line;
  EXPECT_EQ(top->bytes % kChunk, 0) << top->line;
  for (const char* frame : {"PoolArena$DirectArena.newChunk",
                            "PoolArena$DirectArena.allocateDirect", "io.netty.channel."}) {
    EXPECT_NE(top->line.find(frame), std::string::npos) << frame << " missing in\n" << top->line;
  }
  // The handler, with its arguments; compiled or inlined, the line of the
  // allocation (an interpreted frame's line is not known).
  const std::string handler =
      "NettyLeaks$Replier.channelRead(io.netty.channel.ChannelHandlerContext, java.lang.Object)";
  const std::string* handler_frame = nullptr;
  for (const std::string& f : top->named) {
    if (f.rfind(handler, 0) == 0) handler_frame = &f;
  }
  ASSERT_NE(handler_frame, nullptr) << handler << " missing in\n" << top->line;
  if (handler_frame->find("[interpreted]") == std::string::npos) {
    EXPECT_NE(handler_frame->find(absl::StrCat("(NettyLeaks.java:", reply_line, ")")),
              std::string::npos)
        << *handler_frame;
  }
  // Through the program's own code to the thread's start, unless the JIT
  // installed a method on the way just before it ran (the probe's rows
  // come milliseconds later): then the stack says it was cut, never goes
  // on through garbage.
  const bool whole = top->line.find("NettyLeaks.main") != std::string::npos &&
                     top->line.find("JavaMain") != std::string::npos;
  EXPECT_TRUE(whole || top->frames.front() == "[truncated]") << top->line;
  EXPECT_THAT(ap->out(), HasSubstr("are chunks of Netty's pooled allocator")) << Outputs(*ap);
  EXPECT_THAT(ap->out(), HasSubstr("compiled frames show the methods the JIT inlined"))
      << Outputs(*ap);
  EXPECT_THAT(ap->out(), HasSubstr("compiled methods get unwind rows as the JVM installs them"))
      << Outputs(*ap);
  // Unpooled.directBuffer: one direct allocation per buffer, exact
  // (NettyLeaks.java: UNPOOLED_COUNT x UNPOOLED_SIZE).
  EXPECT_EQ(BytesAboveUnsafe(folded, "NettyLeaks.unpooledLeak()"), int64_t{32} * 300000)
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
}

// The case allocprof is for: a Netty service that leaks until the JVM dies
// of it ("Cannot reserve ... bytes of direct buffer memory"). The report,
// written after the JVM is gone, still names the Java frames (they were
// named while it ran) down to the handler's line.
TEST_F(JavaTest, AJvmThatDiesOfItsLeakIsReportedWithItsJavaFrames) {
  ASSERT_NE(*kNettyClasspath, '\0')
      << "no Netty at build time: scripts/install-deps.sh installs libnetty-java";
  const int reply_line = MarkedLine("NettyLeaks.java", "THE REPLY'S LINE");
  ASSERT_GT(reply_line, 0);
  const std::string folded_path = ScratchPath("netty_oom.folded");
  Target target;
  // The warm-up keeps about 160 MiB of chunks; the trace sees the rest.
  ASSERT_NO_FATAL_FAILURE(StartTarget(kJava,
                                      {"-XX:MaxDirectMemorySize=320m",
                                       "-Dnettyleaks.until_oom=true", "-cp", kNettyClasspath,
                                       "NettyLeaks"},
                                      &target));
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-p", std::to_string(target.pid), "--folded", folded_path, "-v"}, target.pid, &ap));
  Process* jvm = target.proc.get();
  jvm->Signal(TESTPROG_GO_SIGNAL);
  ASSERT_TRUE(jvm->WaitExit(kRunTimeout)) << "the JVM did not run out of direct memory";
  EXPECT_THAT(jvm->err(), HasSubstr("direct buffer memory")) << jvm->Describe();
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  ASSERT_TRUE(ExitedWith(*ap, 0)) << Outputs(*ap);
  EXPECT_THAT(ap->err(), HasSubstr("the target exited")) << Outputs(*ap);

  const Folded folded = ParseFolded(ReadFile(folded_path));
  const FoldedStack* top = nullptr;
  for (const FoldedStack& s : folded.stacks) {
    if (top == nullptr || s.bytes > top->bytes) top = &s;
  }
  ASSERT_NE(top, nullptr) << Outputs(*ap);
  constexpr int64_t kChunk = 16 << 20;
  EXPECT_GE(top->bytes, kChunk) << top->line;
  const std::string handler = absl::StrCat(
      "NettyLeaks$Replier.channelRead(io.netty.channel.ChannelHandlerContext, java.lang.Object)");
  bool named = false;
  for (const std::string& f : top->named) {
    named |= f.rfind(handler, 0) == 0 &&
             (f.find("[interpreted]") != std::string::npos ||
              f.find(absl::StrCat("(NettyLeaks.java:", reply_line, ")")) != std::string::npos);
  }
  EXPECT_TRUE(named) << handler << " at line " << reply_line << " missing in\n" << top->line;
  EXPECT_NE(top->line.find("PoolArena$DirectArena.newChunk"), std::string::npos) << top->line;
}

// The only child of process `pid`, or -1.
pid_t OnlyChild(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child = -1, more = -1;
  if (!(in >> child) || (in >> more)) return -1;
  return child;
}

// A JVM as a container runs one: PID 1 of its own PID namespace, with a
// /tmp of its own in its own mount namespace. allocprof reaches it through
// /proc/PID/root and by the PID it knows itself by (its perf map, its
// attach socket), and profiles it like any other.
TEST_F(JavaTest, AJvmInItsOwnNamespacesIsProfiled) {
  const std::string folded_path = ScratchPath("java_ns.folded");
  std::string error;
  // The jar may lie under the /tmp the JVM no longer sees: it is taken
  // along into the new one.
  std::unique_ptr<Process> unshare = Process::Start(
      {"/usr/bin/unshare", "-p", "-f", "-m", "--mount-proc", "/bin/sh", "-c",
       "cp \"$1\" /dev/shm/allocprof-e2e-$$.jar && mount -t tmpfs tmpfs /tmp && "
       "mv /dev/shm/allocprof-e2e-$$.jar /tmp/java_leaks.jar && "
       "exec \"$0\" -cp /tmp/java_leaks.jar JavaLeaks",
       kJava, kJavaLeaksJar},
      &error);
  ASSERT_NE(unshare, nullptr) << error;
  Process* u = unshare.get();
  ASSERT_TRUE(Process::PumpUntil(
      {u}, [u] { return !LineStartingWith(u->out(), "ready ").empty() || u->exited(); },
      kStartTimeout));
  // It knows itself as PID 1.
  ASSERT_EQ(LineStartingWith(u->out(), "ready ").rfind("ready 1 ", 0), 0u)
      << u->Describe() << "\n" << u->out() << u->err();
  const pid_t jvm = OnlyChild(u->pid());
  ASSERT_GT(jvm, 0) << "no JVM under unshare " << u->pid();

  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(
      StartTracing({"-p", std::to_string(jvm), "--folded", folded_path, "-v"}, jvm, &ap));
  ASSERT_EQ(kill(jvm, TESTPROG_GO_SIGNAL), 0);
  ASSERT_TRUE(Process::PumpUntil(
      {u}, [u] { return u->out().find("done") != std::string::npos || u->exited(); },
      kRunTimeout));
  ap->Signal(SIGINT);
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  kill(jvm, SIGKILL);
  ASSERT_TRUE(u->WaitExit(kRunTimeout));

  EXPECT_THAT(ap->out(), HasSubstr("compiled Java frames are named from the JVM's perf map"))
      << Outputs(*ap);
  const Folded folded = ParseFolded(ReadFile(folded_path));
  EXPECT_EQ(BytesThrough(folded, "Unsafe_AllocateMemory0"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0") << Outputs(*ap);
  EXPECT_EQ(BytesAboveUnsafe(folded, "JavaLeaks.leakDirect() [interpreted]"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
  EXPECT_EQ(BytesAboveUnsafe(folded, "java.nio.DirectByteBuffer.<init>(int)"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
}

// A JVM run with -Xrs does not catch SIGQUIT, which would kill it; it
// starts its attach listener at startup instead. It gets no signal, lives
// on, and is profiled with every byte and its compiled frames named.
TEST_F(JavaTest, AJvmRunWithXrsIsAttachedWithoutASignal) {
  const std::string folded_path = ScratchPath("java_xrs.folded");
  // Such a JVM dispatches no signal to Java code: it is told to go by a
  // file (Handshake.java).
  const std::string go_file = ScratchPath("go");
  Target target;
  ASSERT_NO_FATAL_FAILURE(StartTarget(
      kJava, {"-Xrs", "-Dallocprof.go_file=" + go_file, "-cp", kJavaLeaksJar, "JavaLeaks"},
      &target));
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(StartTracing(
      {"-p", std::to_string(target.pid), "--folded", folded_path, "-v"}, target.pid, &ap));
  std::ofstream(go_file).put('\n');
  Process* jvm = target.proc.get();
  ASSERT_TRUE(Process::PumpUntil(
      {jvm}, [jvm] { return jvm->out().find("done") != std::string::npos || jvm->exited(); },
      kRunTimeout));
  ASSERT_FALSE(jvm->exited()) << jvm->Describe();
  ASSERT_NO_FATAL_FAILURE(StopTracingThenTarget(ap.get(), &target));
  EXPECT_THAT(ap->out(), HasSubstr("compiled Java frames are named from the JVM's perf map"))
      << Outputs(*ap);
  const Folded folded = ParseFolded(ReadFile(folded_path));
  EXPECT_EQ(BytesThrough(folded, "Unsafe_AllocateMemory0"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0") << Outputs(*ap);
  EXPECT_EQ(BytesAboveUnsafe(folded, "JavaLeaks.leakDirect()"), kLeakedBytes)
      << StacksThrough(folded, "Unsafe_AllocateMemory0");
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
