#include "userspace/symbols/maps_line.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

TEST(SymbolsMapsLine, ParsesEveryColumnOfAFileMapping) {
  absl::StatusOr<MapsEntry> e = ParseMapsLine(
      "55d0c0a02000-55d0c0a21000 r-xp 00002000 fd:01 1835041"
      "                    /usr/bin/cat\n");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->start, 0x55d0c0a02000u);
  EXPECT_EQ(e->end, 0x55d0c0a21000u);
  EXPECT_EQ(e->offset, 0x2000u);
  EXPECT_TRUE(e->readable);
  EXPECT_FALSE(e->writable);
  EXPECT_TRUE(e->executable);
  EXPECT_FALSE(e->shared);
  EXPECT_EQ(e->dev_major, 0xfdu);
  EXPECT_EQ(e->dev_minor, 0x01u);
  EXPECT_EQ(e->inode, 1835041u);
  EXPECT_EQ(e->path, "/usr/bin/cat");
  EXPECT_FALSE(e->deleted);
}

TEST(SymbolsMapsLine, KeepsBlanksInsideThePath) {
  absl::StatusOr<MapsEntry> e = ParseMapsLine(
      "7f0000001000-7f0000002000 r-xp 00001000 103:0a 42 "
      "/opt/My App/lib  two.so");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->path, "/opt/My App/lib  two.so");
  EXPECT_EQ(e->dev_major, 0x103u);
  EXPECT_EQ(e->dev_minor, 0x0au);
  EXPECT_FALSE(e->deleted);
}

TEST(SymbolsMapsLine, StripsTheDeletedSuffix) {
  absl::StatusOr<MapsEntry> e = ParseMapsLine(
      "7f0000001000-7f0000002000 r-xp 00000000 08:02 77 "
      "/tmp/old lib.so (deleted)\n");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->path, "/tmp/old lib.so");
  EXPECT_TRUE(e->deleted);
}

TEST(SymbolsMapsLine, MemfdIsADeletedFile) {
  absl::StatusOr<MapsEntry> e = ParseMapsLine(
      "7f0000001000-7f0000002000 r-xs 00000000 00:01 2051 "
      "/memfd:jit-code (deleted)");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->path, "/memfd:jit-code");
  EXPECT_TRUE(e->deleted);
  EXPECT_TRUE(e->shared);
}

TEST(SymbolsMapsLine, PseudoNames) {
  absl::StatusOr<MapsEntry> vdso = ParseMapsLine(
      "7ffd5b3f4000-7ffd5b3f6000 r-xp 00000000 00:00 0"
      "                          [vdso]");
  ASSERT_TRUE(vdso.ok()) << vdso.status();
  EXPECT_EQ(vdso->path, "[vdso]");
  EXPECT_EQ(vdso->inode, 0u);
  EXPECT_FALSE(vdso->deleted);

  absl::StatusOr<MapsEntry> named = ParseMapsLine(
      "7f0000001000-7f0000002000 rwxp 00000000 00:00 0 [anon:jit code]");
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->path, "[anon:jit code]");
  EXPECT_TRUE(named->writable);
}

TEST(SymbolsMapsLine, NoPath) {
  for (const char* line :
       {"7f0000001000-7f0000003000 rwxp 00000000 00:00 0",
        "7f0000001000-7f0000003000 rwxp 00000000 00:00 0 \n",
        "7f0000001000-7f0000003000 rwxp 00000000 00:00 0\n"}) {
    absl::StatusOr<MapsEntry> e = ParseMapsLine(line);
    ASSERT_TRUE(e.ok()) << line << ": " << e.status();
    EXPECT_EQ(e->start, 0x7f0000001000u);
    EXPECT_EQ(e->end, 0x7f0000003000u);
    EXPECT_EQ(e->path, "");
    EXPECT_FALSE(e->deleted);
  }
}

TEST(SymbolsMapsLine, FullWidthAddresses) {
  absl::StatusOr<MapsEntry> e = ParseMapsLine(
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0"
      "                  [vsyscall]");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->start, 0xffffffffff600000u);
  EXPECT_FALSE(e->readable);
  EXPECT_TRUE(e->executable);
}

TEST(SymbolsMapsLine, RejectsMalformedLines) {
  for (const char* line : {
           "",
           "garbage",
           "7f00-7e00 r-xp 00000000 00:00 0",          // end before start
           "7f00 r-xp 00000000 00:00 0",               // no dash
           "7f00-7f10 r-x 00000000 00:00 0",           // 3 permission chars
           "7f00-7f10 r-xp 0000z000 00:00 0",          // bad offset
           "7f00-7f10 r-xp 00000000 0000 0",           // device without colon
           "7f00-7f10 r-xp 00000000 00:00 12a /x",     // inode not decimal
           "7f00-7f10 r-xp 00000000 00:00",            // no inode
           "0x7f00-7f10 r-xp 00000000 00:00 0 /x",     // kernel prints no 0x
       }) {
    absl::StatusOr<MapsEntry> e = ParseMapsLine(line);
    EXPECT_TRUE(absl::IsInvalidArgument(e.status())) << "\"" << line << "\"";
  }
}

}  // namespace
}  // namespace allocprof
