// Which frame is the program's own: the rule the leak-suspect lines and the
// flame graph's default focus share, on stacks as allocprof names them.
#include "userspace/profile/own_code.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/profile/profile_test_util.h"

namespace allocprof {
namespace {

constexpr char kLibc[] = "/usr/lib/x86_64-linux-gnu/libc.so.6";
constexpr char kLibstdcxx[] = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30";
constexpr char kApp[] = "/srv/cache/cache_server";

ProfileStack StackOf(std::vector<ProfileFrame> frames) {
  ProfileStack stack;
  stack.frames = std::move(frames);
  return stack;
}

ProfileFrame Frame(std::string function, std::string module, FrameKind kind) {
  return MakeFrame(std::move(function), std::move(module), 0x1000, 0, kind);
}

// std::vector<char>::resize() in the program: the allocator, libstdc++'s
// operator new, then the templates the program instantiated (inlined into
// _M_default_append), then the program's function.
TEST(OwnCode, AVectorResizeIsNamedByTheProgramsFunctionNotItsTemplates) {
  const ProfileStack stack = StackOf({
      Frame("malloc", kLibc, FrameKind::kAllocator),
      Frame("operator new(unsigned long)", kLibstdcxx, FrameKind::kLibrary),
      WithLine(Frame("std::__new_allocator<char>::allocate(unsigned long, void const*)", kApp,
                     FrameKind::kProgram),
               "/usr/include/c++/12/bits/new_allocator.h", 137, /*inlined=*/true),
      WithLine(Frame("std::vector<char, std::allocator<char> >::_M_default_append(unsigned long)",
                     kApp, FrameKind::kProgram),
               "/usr/include/c++/12/bits/vector.tcc", 663),
      WithLine(Frame("remember(int)", kApp, FrameKind::kProgram), "cache.cc", 15),
      WithLine(Frame("main", kApp, FrameKind::kProgram), "cache.cc", 30),
      Frame("__libc_start_call_main", kLibc, FrameKind::kLibrary),
  });
  ASSERT_EQ(FirstOwnFrame(stack), 4u);
  EXPECT_EQ(stack.frames[4].NameWithLine(), "remember(int) (cache.cc:15)");
}

TEST(OwnCode, ATemplatesReturnTypeDoesNotHideItsNamespace) {
  EXPECT_FALSE(IsOwnCode(Frame(
      "void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>(int const&)",
      kApp, FrameKind::kProgram)));
  EXPECT_FALSE(IsOwnCode(Frame("__gnu_cxx::new_allocator<int>::allocate(unsigned long)", kApp,
                               FrameKind::kProgram)));
  EXPECT_FALSE(IsOwnCode(Frame("operator new[](unsigned long)", kApp, FrameKind::kProgram)));
  // A static executable's own copy of the C library.
  EXPECT_FALSE(IsOwnCode(Frame("_IO_file_doallocate", kApp, FrameKind::kProgram)));
  // The program's own templates and namespaces are its own.
  EXPECT_TRUE(IsOwnCode(Frame("cache::Store<std::string>::Put(std::string const&)", kApp,
                              FrameKind::kProgram)));
  EXPECT_TRUE(IsOwnCode(Frame("(anonymous namespace)::Fill()", kApp, FrameKind::kProgram)));
}

// A Python function that appends to a list: CPython's C code (the
// interpreter executable or libpython) lies between it and malloc.
TEST(OwnCode, APythonStackIsNamedByItsPythonFunction) {
  ProfileFrame handle = WithLine(Frame("Server.remember", "[python]", FrameKind::kPython),
                                 "/srv/app/server.py", 42);
  const ProfileStack stack = StackOf({
      Frame("malloc", kLibc, FrameKind::kAllocator),
      Frame("PyMem_Realloc", "/usr/bin/python3.11", FrameKind::kProgram),
      Frame("list_resize", "/usr/bin/python3.11", FrameKind::kProgram),
      Frame("_PyEval_EvalFrameDefault", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
            FrameKind::kLibrary),
      handle,
      Frame("main", "/usr/bin/python3.11", FrameKind::kProgram),
  });
  EXPECT_EQ(FirstOwnFrame(stack), 4u);
}

// A Java method that fills a direct buffer: libjvm, then the JDK's own
// methods, then the program's.
TEST(OwnCode, AJavaStackIsNamedByTheProgramsMethodNotTheJdks) {
  const ProfileStack stack = StackOf({
      Frame("malloc", kLibc, FrameKind::kAllocator),
      Frame("os::malloc(unsigned long, MEMFLAGS)", "/usr/lib/jvm/lib/server/libjvm.so",
            FrameKind::kLibrary),
      Frame("Unsafe_AllocateMemory0", "/usr/lib/jvm/lib/server/libjvm.so", FrameKind::kLibrary),
      Frame("jdk.internal.misc.Unsafe.allocateMemory(long)", "[jit]", FrameKind::kJit),
      Frame("java.nio.DirectByteBuffer.<init>(int)", "[jit]", FrameKind::kJit),
      Frame("JavaLeaks.leak()", "[jit]", FrameKind::kJit),
      Frame("JavaLeaks.main(java.lang.String[])", "[jit]", FrameKind::kJit),
  });
  EXPECT_EQ(FirstOwnFrame(stack), 5u);
}

// A library of the program's (not the runtime) is its own code.
TEST(OwnCode, AnApplicationLibraryIsOwnCode) {
  const ProfileStack stack = StackOf({
      Frame("malloc", kLibc, FrameKind::kAllocator),
      Frame("strdup", kLibc, FrameKind::kLibrary),
      Frame("plugin_load", "/opt/app/lib/libplugin.so", FrameKind::kLibrary),
      Frame("main", kApp, FrameKind::kProgram),
  });
  EXPECT_EQ(FirstOwnFrame(stack), 2u);
}

// Nothing but the C library and frames without names: no own frame, and
// the callers fall back to what they showed before.
TEST(OwnCode, AStackAllInTheCLibraryHasNone) {
  const ProfileStack stack = StackOf({
      Frame("malloc", kLibc, FrameKind::kAllocator),
      Frame("_IO_file_doallocate", kLibc, FrameKind::kLibrary),
      Frame("__libc_start_call_main", kLibc, FrameKind::kLibrary),
      Frame("", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", FrameKind::kLibrary),
      Frame("", "", FrameKind::kUnknown),
  });
  EXPECT_EQ(FirstOwnFrame(stack), std::nullopt);
  EXPECT_EQ(FirstOwnFrame(ProfileStack()), std::nullopt);
}

}  // namespace
}  // namespace allocprof
