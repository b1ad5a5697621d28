#include "userspace/symbols/symbolizer.h"

#include <dlfcn.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/symbols/gone_child.h"

// Functions with names and sizes the tests rely on. Bodies differ, so
// identical-code folding cannot merge them, and are long enough for the
// offsets used below.
volatile int g_sink;

extern "C" __attribute__((noinline, used)) void allocprof_symbols_test_leaf() {
  for (int i = 0; i < 4; ++i) g_sink = g_sink + i;
}

namespace allocprof_symbols_test {
__attribute__((noinline, used)) int Scale(int value) {
  for (int i = 0; i < 3; ++i) g_sink = g_sink * value + i;
  return g_sink;
}
}  // namespace allocprof_symbols_test

namespace allocprof {
namespace {

uint64_t Addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }
const uint64_t kLeaf =
    Addr(reinterpret_cast<const void*>(&allocprof_symbols_test_leaf));
const uint64_t kScale =
    Addr(reinterpret_cast<const void*>(&allocprof_symbols_test::Scale));

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf));
  return n > 0 ? std::string(buf, n) : "";
}

std::unique_ptr<Symbolizer> ForSelf() {
  absl::StatusOr<std::unique_ptr<Symbolizer>> s =
      Symbolizer::ForProcess(getpid());
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : nullptr;
}

TEST(SymbolsSymbolizer, FunctionOfTheTestBinary) {
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  Frame f = s->Symbolize(kLeaf + 3);
  EXPECT_EQ(f.addr, kLeaf + 3);
  EXPECT_EQ(f.function, "allocprof_symbols_test_leaf");
  EXPECT_EQ(f.module, SelfExe());
  EXPECT_EQ(f.offset, 3u);
  EXPECT_EQ(f.DisplayName(), "allocprof_symbols_test_leaf");
  // From the cache, the same.
  Frame again = s->Symbolize(kLeaf + 3);
  EXPECT_EQ(again.function, f.function);
  EXPECT_EQ(again.offset, 3u);
  EXPECT_TRUE(s->load_errors().empty());
}

TEST(SymbolsSymbolizer, DemanglesCppFunctions) {
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  Frame f = s->Symbolize(kScale + 5);
  EXPECT_EQ(f.function, "allocprof_symbols_test::Scale(int)");
  EXPECT_EQ(f.offset, 5u);
  EXPECT_EQ(s->Symbolize(kScale).offset, 0u);
}

TEST(SymbolsSymbolizer, LibcMallocHasItsPublicName) {
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  uint64_t malloc_addr = Addr(reinterpret_cast<const void*>(&malloc));
  Dl_info info;
  ASSERT_NE(dladdr(reinterpret_cast<void*>(&malloc), &info), 0);

  Frame f = s->Symbolize(malloc_addr + 7);
  // glibc defines malloc and __libc_malloc at one address.
  EXPECT_EQ(f.function, "malloc");
  EXPECT_EQ(f.offset, 7u);
  // The kernel names the file by its resolved path (/lib is a symlink to
  // usr/lib on merged-/usr systems); the loader by the one it opened.
  char resolved[PATH_MAX];
  ASSERT_NE(realpath(info.dli_fname, resolved), nullptr);
  EXPECT_EQ(f.module, resolved);
  EXPECT_TRUE(absl::EndsWith(f.module, "/libc.so.6")) << f.module;
  EXPECT_TRUE(s->IsExecutable(malloc_addr));
}

TEST(SymbolsSymbolizer, JavaMethodFramesAreNamedByTheJavaRuntime) {
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  const uint64_t frame = Symbolizer::kJavaMethodFrame | 0x7f0000001230;
  EXPECT_EQ(s->Symbolize(frame).function, "Interpreter");  // no runtime yet
  uint64_t asked = 0;
  Symbolizer::JavaFrames java;
  java.interpreted = [&asked](uint64_t method, Frame* f) {
    asked = method;
    if (method != 0x7f0000001230) return false;
    f->function = "app.Handler.onMessage(int) [interpreted]";
    return true;
  };
  s->set_java_frames(java);
  Frame f = s->Symbolize(frame);
  EXPECT_EQ(asked, 0x7f0000001230u);
  EXPECT_EQ(f.function, "app.Handler.onMessage(int) [interpreted]");
  EXPECT_EQ(f.module, "[jit]");
  EXPECT_EQ(s->Symbolize(Symbolizer::kJavaMethodFrame | 0x7f0000004560).function,
            "Interpreter");
}

TEST(SymbolsSymbolizer, PythonFramesAreNamedByTheInterpreter) {
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  // Code object 0x7f0000002340 at its third instruction (bpf/events.h).
  const uint64_t frame = Symbolizer::kPythonFrame | 0x7f0000002340 | (uint64_t{3} << 47);
  EXPECT_TRUE(Symbolizer::IsPythonFrame(frame));
  // A Java frame's bytecode pointer may set bit 62 too.
  EXPECT_FALSE(Symbolizer::IsPythonFrame(Symbolizer::kJavaMethodFrame | Symbolizer::kPythonFrame));
  Frame unnamed = s->Symbolize(frame);  // no interpreter yet
  EXPECT_EQ(unnamed.function, "<unknown>");
  EXPECT_EQ(unnamed.addr, 0x7f0000002340u);
  uint64_t asked = 0;
  s->set_python_frames([&asked](uint64_t value, Frame* f) {
    asked = value;
    f->function = "Server.handle";
    f->source = {"/srv/app.py", 17};
    return true;
  });
  Frame f = s->Symbolize(frame);
  EXPECT_EQ(asked, frame);
  EXPECT_EQ(f.function, "Server.handle");
  EXPECT_EQ(f.module, "[python]");
  EXPECT_EQ(f.source.line, 17u);
}

TEST(SymbolsSymbolizer, UnmappedAddress) {
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  Frame f = s->Symbolize(0x10);
  EXPECT_EQ(f.function, "");
  EXPECT_EQ(f.module, "");
  EXPECT_EQ(f.offset, 0u);
  EXPECT_EQ(f.DisplayName(), "0x10");
  EXPECT_FALSE(s->IsExecutable(0x10));
  EXPECT_TRUE(s->IsExecutable(kLeaf));
}

// Writes /tmp/perf-PID.map for this process, as a JIT would, and removes
// it afterwards.
class SymbolsSymbolizerJit : public testing::Test {
 protected:
  void SetUp() override {
    region_ = mmap(nullptr, kSize, PROT_READ | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(region_, MAP_FAILED);
    base_ = Addr(region_);
  }
  void TearDown() override {
    std::remove(path_.c_str());
    if (region_ != MAP_FAILED) munmap(region_, kSize);
  }
  void Append(const std::string& text) {
    std::ofstream(path_, std::ios::app) << text;
  }

  static constexpr size_t kSize = 4096;
  std::string path_ = absl::StrCat("/tmp/perf-", getpid(), ".map");
  void* region_ = MAP_FAILED;
  uint64_t base_ = 0;
};

TEST_F(SymbolsSymbolizerJit, NamesFromThePerfMap) {
  Append(absl::StrCat(absl::Hex(base_), " 40 jit_one\n", absl::Hex(base_ + 0x40),
                      " 20 LazyCompile:~two file.js:3\n"));
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->IsExecutable(base_ + 0x10));

  Frame one = s->Symbolize(base_ + 0x10);
  EXPECT_EQ(one.function, "jit_one");
  EXPECT_EQ(one.module, "[jit]");
  EXPECT_EQ(one.offset, 0x10u);
  Frame two = s->Symbolize(base_ + 0x45);
  EXPECT_EQ(two.function, "LazyCompile:~two file.js:3");
  EXPECT_EQ(two.offset, 5u);

  // Not (yet) in the map: plain anonymous memory.
  Frame later = s->Symbolize(base_ + 0x104);
  EXPECT_EQ(later.function, "");
  EXPECT_EQ(later.module, "");
  EXPECT_EQ(later.DisplayName(), absl::StrCat("0x", absl::Hex(base_ + 0x104)));

  // The JIT appends; the same address now has a name.
  Append(absl::StrCat(absl::Hex(base_ + 0x100), " 10 appended_fn\n"));
  later = s->Symbolize(base_ + 0x104);
  EXPECT_EQ(later.function, "appended_fn");
  EXPECT_EQ(later.module, "[jit]");
  EXPECT_EQ(later.offset, 4u);
}

// A Java runtime may rename what the perf map named, and add the methods
// inlined at the address; it sees the perf map's entry (addr - offset).
TEST_F(SymbolsSymbolizerJit, TheJavaRuntimeDescribesCompiledFrames) {
  Append(absl::StrCat(absl::Hex(base_), " 40 void app.Server.handle(int)\n",
                      absl::Hex(base_ + 0x40), " 20 StubRoutines (1)\n"));
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  Symbolizer::JavaFrames java;
  java.compiled = [this](Frame* f) {
    if (f->addr - f->offset != base_) return false;
    f->function = "app.Server.handle(int) [compiled]";
    f->inlined.push_back({"app.Codec.decode() [inlined]", {"Codec.java", 12}});
    return true;
  };
  s->set_java_frames(java);
  Frame handle = s->Symbolize(base_ + 0x10);
  EXPECT_EQ(handle.function, "app.Server.handle(int) [compiled]");
  ASSERT_EQ(handle.inlined.size(), 1u);
  EXPECT_EQ(handle.inlined[0].function, "app.Codec.decode() [inlined]");
  EXPECT_EQ(handle.inlined[0].source.line, 12u);
  // Not described: the perf map's name stays.
  EXPECT_EQ(s->Symbolize(base_ + 0x44).function, "StubRoutines (1)");
}

TEST_F(SymbolsSymbolizerJit, CodeMappedAfterTheSnapshotNeedsARefresh) {
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  void* more = mmap(nullptr, 4096, PROT_READ | PROT_EXEC,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(more, MAP_FAILED);
  EXPECT_FALSE(s->IsExecutable(Addr(more)));
  ASSERT_TRUE(s->RefreshModules().ok());
  EXPECT_TRUE(s->IsExecutable(Addr(more)));
  munmap(more, 4096);
}

// The key property: a process that has exited and been reaped can still be
// symbolized, with its ELF files read only now.
TEST(SymbolsSymbolizer, SymbolizesAfterTheProcessIsGone) {
  // Same binary, so the test functions sit at the same addresses.
  std::unique_ptr<Symbolizer> s;
  pid_t child = 0;
  ASSERT_NO_FATAL_FAILURE(SymbolizerOfGoneChild(&s, &child));
  struct stat st;
  ASSERT_NE(::stat(absl::StrCat("/proc/", child).c_str(), &st), 0)
      << "the child's /proc entry is still there";

  Frame leaf = s->Symbolize(kLeaf + 2);
  EXPECT_EQ(leaf.function, "allocprof_symbols_test_leaf");
  EXPECT_EQ(leaf.offset, 2u);
  EXPECT_EQ(leaf.module, SelfExe());
  Frame scale = s->Symbolize(kScale + 1);
  EXPECT_EQ(scale.function, "allocprof_symbols_test::Scale(int)");
  EXPECT_EQ(scale.offset, 1u);
  Frame m = s->Symbolize(Addr(reinterpret_cast<const void*>(&malloc)));
  EXPECT_EQ(m.function, "malloc");
  EXPECT_TRUE(s->IsExecutable(kLeaf));

  absl::Status refresh = s->RefreshModules();
  EXPECT_TRUE(absl::IsNotFound(refresh)) << refresh;
  // The old snapshot stays usable.
  EXPECT_EQ(s->Symbolize(kLeaf).function, "allocprof_symbols_test_leaf");
  EXPECT_TRUE(s->load_errors().empty());
}

TEST(SymbolsSymbolizer, NoSuchProcess) {
  EXPECT_TRUE(
      absl::IsNotFound(Symbolizer::ForProcess(0x3fffffff).status()));
}

}  // namespace
}  // namespace allocprof
