// A Python target on Debian's python3 (CPython 3.11), attached with -p:
// the buffers a function keeps are found in the interpreter's malloc calls
// with exact bytes, and the stack names the Python functions that made
// them, at their lines, in place of the interpreter's eval loop. Ground
// truth: testprogs/python/leak.py.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

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

const char* const kPython = ALLOCPROF_E2E_PYTHON;
const char* const kPythonSources = ALLOCPROF_E2E_PYTHON_SOURCES;
// leak.py's LEAK_COUNT x (LEAK_SIZE + 1).
constexpr int64_t kLeakedBytes = 50 * 100001;
// Where CPython 3.11 resizes a bytearray's buffer (the allocator's caller).
constexpr char kResize[] = "PyByteArray_Resize";

class PythonTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    ASSERT_EQ(access(kPython, X_OK), 0) << kPython << ": Debian's python3.11 is needed";
  }
};

// The line of testprogs/python/`file` that ends with the comment `marker`;
// 0 when none does.
int MarkedLine(const std::string& file, const std::string& marker) {
  const std::vector<std::string> lines =
      absl::StrSplit(ReadFile(absl::StrCat(kPythonSources, "/", file)), '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (absl::EndsWith(lines[i], absl::StrCat("# ", marker))) return static_cast<int>(i + 1);
  }
  return 0;
}

// testprogs/python/`script` traced with -p from its ready line to its done
// line, with `flags`; the folded stacks and allocprof's process come back.
void TraceScript(const std::string& script, const std::vector<std::string>& flags,
                 const std::string& folded_path, std::unique_ptr<Process>* ap) {
  Target target;
  ASSERT_NO_FATAL_FAILURE(
      StartTarget(kPython, {absl::StrCat(kPythonSources, "/", script), "--stay"}, &target));
  std::vector<std::string> args = {"-p", std::to_string(target.pid), "--folded", folded_path,
                                   "-v"};
  args.insert(args.end(), flags.begin(), flags.end());
  ASSERT_NO_FATAL_FAILURE(StartTracing(args, target.pid, ap));
  ASSERT_NO_FATAL_FAILURE(RunScenarios(&target));
  ASSERT_NO_FATAL_FAILURE(StopTracingThenTarget(ap->get(), &target));
}

void TraceLeakPy(const std::vector<std::string>& flags, const std::string& folded_path,
                 std::unique_ptr<Process>* ap) {
  TraceScript("leak.py", flags, folded_path, ap);
}

// Bytes of the stacks through `function` in which `named` (a frame as the
// folded file writes it, with its line) appears, called by `caller` when
// that is not empty.
int64_t BytesWithFrame(const Folded& folded, const std::string& function,
                       const std::string& named, const std::string& caller = "") {
  int64_t bytes = 0;
  for (const FoldedStack& stack : folded.stacks) {
    bool through = false, found = false;
    for (size_t i = 0; i < stack.frames.size(); ++i) {
      through |= stack.frames[i] == function;
      if (stack.named[i] == named && (caller.empty() || (i > 0 && stack.named[i - 1] == caller))) {
        found = true;
      }
    }
    if (through && found) bytes += stack.bytes;
  }
  return bytes;
}

TEST_F(PythonTest, PythonFunctionsOfARunningInterpreterAtTheirLines) {
  const int leak_line = MarkedLine("leak.py", "THE LEAK'S LINE");
  const int serve_line = MarkedLine("leak.py", "SERVE'S CALL");
  const int main_line = MarkedLine("leak.py", "MAIN'S CALL");
  ASSERT_GT(leak_line, 0);
  ASSERT_GT(serve_line, 0);
  ASSERT_GT(main_line, 0);
  const std::string folded_path = ScratchPath("python.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(TraceLeakPy({}, folded_path, &ap));
  const std::string context = Outputs(*ap);
  EXPECT_THAT(ap->err(), ::testing::HasSubstr("Python 3.11")) << context;
  const Folded folded = ParseFolded(ReadFile(folded_path));
  // Every buffer the program kept, once.
  EXPECT_EQ(BytesThrough(folded, kResize), kLeakedBytes)
      << StacksThrough(folded, kResize) << context;
  // handle() made them, called by serve() at its call, called by the
  // module's code: the Python frames in the order they called each other.
  const std::string handle = absl::StrCat("handle (leak.py:", leak_line, ") [python]");
  const std::string serve = absl::StrCat("serve (leak.py:", serve_line, ") [python]");
  EXPECT_EQ(BytesWithFrame(folded, kResize, handle, serve), kLeakedBytes)
      << StacksThrough(folded, kResize);
  const std::string main = absl::StrCat("main (leak.py:", main_line, ") [python]");
  EXPECT_EQ(BytesWithFrame(folded, kResize, serve, main), kLeakedBytes)
      << StacksThrough(folded, kResize);
  // In the eval loop's place: no stack through handle() keeps one.
  for (const FoldedStack& stack : folded.stacks) {
    if (absl::StrContains(stack.line, handle)) {
      EXPECT_FALSE(absl::StrContains(stack.line, "_PyEval_EvalFrameDefault")) << stack.line;
    }
  }
  ExpectNoProgramsLeft();
}

TEST_F(PythonTest, NoPythonLeavesNativeFrames) {
  const std::string folded_path = ScratchPath("python-native.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(TraceLeakPy({"--no-python"}, folded_path, &ap));
  const Folded folded = ParseFolded(ReadFile(folded_path));
  EXPECT_EQ(BytesThrough(folded, kResize), kLeakedBytes) << StacksThrough(folded, kResize);
  EXPECT_EQ(BytesThrough(folded, "_PyEval_EvalFrameDefault") >= kLeakedBytes, true)
      << StacksThrough(folded, kResize);
  for (const FoldedStack& stack : folded.stacks) {
    EXPECT_FALSE(absl::StrContains(stack.line, "[python]")) << stack.line;
  }
  ExpectNoProgramsLeft();
}

// The only child of process `pid`, or -1.
pid_t OnlyChild(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child = -1, more = -1;
  if (!(in >> child) || (in >> more)) return -1;
  return child;
}

// An interpreter as a container runs one: PID 1 of its own PID namespace,
// whose threads know themselves by that namespace's ids (native_thread_id),
// not the kernel's.
TEST_F(PythonTest, AnInterpreterInItsOwnPidNamespaceHasItsPythonFrames) {
  const int leak_line = MarkedLine("leak.py", "THE LEAK'S LINE");
  ASSERT_GT(leak_line, 0);
  const std::string folded_path = ScratchPath("python-ns.folded");
  std::string error;
  std::unique_ptr<Process> unshare = Process::Start(
      {"/usr/bin/unshare", "-p", "-f", "--mount-proc", kPython,
       absl::StrCat(kPythonSources, "/leak.py"), "--stay"},
      &error);
  ASSERT_NE(unshare, nullptr) << error;
  Process* u = unshare.get();
  ASSERT_TRUE(Process::PumpUntil(
      {u}, [u] { return !LineStartingWith(u->out(), "ready ").empty() || u->exited(); },
      kStartTimeout));
  ASSERT_EQ(LineStartingWith(u->out(), "ready ").rfind("ready 1 ", 0), 0u)
      << u->Describe() << "\n" << u->out() << u->err();
  const pid_t python = OnlyChild(u->pid());
  ASSERT_GT(python, 0) << "no interpreter under unshare " << u->pid();

  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(
      StartTracing({"-p", std::to_string(python), "--folded", folded_path, "-v"}, python, &ap));
  ASSERT_EQ(kill(python, TESTPROG_GO_SIGNAL), 0);
  ASSERT_TRUE(Process::PumpUntil(
      {u}, [u] { return u->out().find("done") != std::string::npos || u->exited(); },
      kRunTimeout));
  ap->Signal(SIGINT);
  ASSERT_TRUE(ap->WaitExit(kRunTimeout)) << Outputs(*ap);
  kill(python, SIGKILL);
  ASSERT_TRUE(u->WaitExit(kRunTimeout));

  const Folded folded = ParseFolded(ReadFile(folded_path));
  EXPECT_EQ(BytesThrough(folded, kResize), kLeakedBytes) << StacksThrough(folded, kResize);
  EXPECT_EQ(BytesWithFrame(folded, kResize,
                           absl::StrCat("handle (leak.py:", leak_line, ") [python]")),
            kLeakedBytes)
      << StacksThrough(folded, kResize) << Outputs(*ap);
  ExpectNoProgramsLeft();
}

// The bytes of the stacks with frame `named` that also have a frame
// starting with `with` and none starting with `without`.
int64_t BytesOfThread(const Folded& folded, const std::string& named, const std::string& with,
                      const std::string& without) {
  int64_t bytes = 0;
  for (const FoldedStack& stack : folded.stacks) {
    bool found = false, has = false, other = false;
    for (const std::string& frame : stack.named) {
      found |= frame == named;
      has |= absl::StartsWith(frame, with);
      other |= absl::StartsWith(frame, without);
    }
    if (found && has && !other) bytes += stack.bytes;
  }
  return bytes;
}

TEST_F(PythonTest, EachThreadsStackHasItsOwnPythonFramesAndCtypesCallersAreNamed) {
  const int a_line = MarkedLine("threads.py", "THREAD A'S LINE");
  const int b_line = MarkedLine("threads.py", "THREAD B'S LINE");
  const int c_line = MarkedLine("threads.py", "CTYPES LINE");
  const int run_line = MarkedLine("threads.py", "RUN'S CALL");
  ASSERT_GT(a_line * b_line * c_line * run_line, 0);
  const std::string folded_path = ScratchPath("python-threads.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(TraceScript("threads.py", {}, folded_path, &ap));
  const Folded folded = ParseFolded(ReadFile(folded_path));
  const std::string run = absl::StrCat("run (threads.py:", run_line, ") [python]");
  const std::string a = absl::StrCat("leak_a (threads.py:", a_line, ") [python]");
  const std::string b = absl::StrCat("leak_b (threads.py:", b_line, ") [python]");
  const std::string c = absl::StrCat("via_ctypes (threads.py:", c_line, ") [python]");
  // threads.py's A_COUNT x (A_SIZE + 1) and B_COUNT x (B_SIZE + 1), each in
  // a thread started by threading, whose frames are under them and not
  // the main thread's.
  EXPECT_EQ(BytesWithFrame(folded, kResize, a, run), 20 * 200001) << StacksThrough(folded, kResize);
  EXPECT_EQ(BytesWithFrame(folded, kResize, b, run), 30 * 300001) << StacksThrough(folded, kResize);
  EXPECT_EQ(BytesOfThread(folded, a, "Thread.run (threading.py:", "main (threads.py:"),
            20 * 200001)
      << StacksThrough(folded, kResize);
  EXPECT_EQ(BytesOfThread(folded, b, "Thread.run (threading.py:", "leak_a ("), 30 * 300001)
      << StacksThrough(folded, kResize);
  // C_COUNT x C_SIZE from malloc, called through ctypes and libffi by
  // via_ctypes() on the main thread, which let go of the GIL for the call.
  EXPECT_EQ(BytesWithFrame(folded, "ffi_call", c, run), 10 * 70000)
      << StacksThrough(folded, "ffi_call");
  EXPECT_EQ(BytesOfThread(folded, c, "main (threads.py:", "Thread.run ("), 10 * 70000)
      << StacksThrough(folded, "ffi_call");
  ExpectNoProgramsLeft();
}

// Small objects live in pymalloc's arenas (1 MiB anonymous mmaps in 3.11):
// the stacks that hold them are the allocations that opened each arena,
// named down to the Python line, and the report says what that means.
TEST_F(PythonTest, PymallocArenasAreNamedAndExplained) {
  const int line = MarkedLine("small_objects.py", "THE ARENAS' LINE");
  ASSERT_GT(line, 0);
  const std::string folded_path = ScratchPath("python-arenas.folded");
  std::unique_ptr<Process> ap;
  ASSERT_NO_FATAL_FAILURE(TraceScript("small_objects.py", {}, folded_path, &ap));
  const Folded folded = ParseFolded(ReadFile(folded_path));
  const std::string keep = absl::StrCat("keep (small_objects.py:", line, ") [python]");
  // small_objects.py's COUNT x 64-byte blocks, at least, in whole arenas
  // mapped under keep().
  const int64_t arenas = BytesWithFrame(folded, "mmap", keep);
  EXPECT_GE(arenas, 200'000 * 64) << StacksThrough(folded, "mmap");
  EXPECT_EQ(arenas % (1 << 20), 0) << StacksThrough(folded, "mmap");
  EXPECT_THAT(ap->out(), ::testing::HasSubstr("are arenas of CPython's object allocator"))
      << Outputs(*ap);
  ExpectNoProgramsLeft();
}

}  // namespace
}  // namespace allocprof::e2e
