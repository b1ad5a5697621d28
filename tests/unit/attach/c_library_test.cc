#include "userspace/attach/c_library.h"

#include <gtest/gtest.h>

namespace allocprof {
namespace {

TEST(IsCLibraryPath, KnowsGlibcAndMusl) {
  EXPECT_TRUE(IsCLibraryPath("/usr/lib/x86_64-linux-gnu/libc.so.6"));
  EXPECT_TRUE(IsCLibraryPath("/lib/x86_64-linux-gnu/libc-2.31.so"));
  EXPECT_TRUE(IsCLibraryPath("/lib/ld-musl-x86_64.so.1"));
  EXPECT_FALSE(IsCLibraryPath("/usr/lib/x86_64-linux-gnu/libcrypt.so.1"));
  EXPECT_FALSE(IsCLibraryPath("/usr/lib/x86_64-linux-gnu/libc++.so.1"));
  EXPECT_FALSE(IsCLibraryPath("/opt/libc.so.6.bak"));
}

TEST(FindCLibrary, PicksTheExecutableMapping) {
  const char* maps =
      "55d0c0000000-55d0c0001000 r--p 00000000 fe:01 123 /usr/bin/cat\n"
      "7f0000000000-7f0000028000 r--p 00000000 fe:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      "7f0000028000-7f000019d000 r-xp 00028000 fe:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n";
  EXPECT_EQ(FindCLibrary(maps), "/usr/lib/x86_64-linux-gnu/libc.so.6");
}

TEST(FindCLibrary, NotYetExecutableIsNotFound) {
  // The loader maps the file read-only first, then its text: only the text
  // mapping means the library is ready to be probed.
  const char* maps =
      "7f0000000000-7f0000028000 r--p 00000000 fe:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6\n";
  EXPECT_EQ(FindCLibrary(maps), std::nullopt);
}

TEST(FindCLibrary, StaticExecutableHasNone) {
  const char* maps =
      "00400000-00401000 r-xp 00000000 fe:01 77 /usr/local/bin/static_leaks\n"
      "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n";
  EXPECT_EQ(FindCLibrary(maps), std::nullopt);
}

}  // namespace
}  // namespace allocprof
