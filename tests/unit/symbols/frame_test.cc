#include "userspace/symbols/frame.h"

#include "gtest/gtest.h"

namespace allocprof {
namespace {

TEST(SymbolsFrame, DisplayNameIsTheFunctionWhenKnown) {
  Frame f{0x7f0000001234, "ns::Fn(int)", "/usr/lib/libx.so", 0x14};
  EXPECT_EQ(f.DisplayName(), "ns::Fn(int)");
}

TEST(SymbolsFrame, DisplayNameFallsBackToModuleBasenameAndOffset) {
  Frame f{0x7f0000001234, "", "/usr/lib/lib x.so", 0x1a34};
  EXPECT_EQ(f.DisplayName(), "lib x.so+0x1a34");
  Frame vdso{0x7ffd00000a10, "", "[vdso]", 0xa10};
  EXPECT_EQ(vdso.DisplayName(), "[vdso]+0xa10");
  Frame zero{0x7f0000001000, "", "/bin/prog", 0};
  EXPECT_EQ(zero.DisplayName(), "prog+0x0");
}

TEST(SymbolsFrame, DisplayNameFallsBackToTheAddress) {
  Frame f{0xdeadbeef, "", "", 0};
  EXPECT_EQ(f.DisplayName(), "0xdeadbeef");
  EXPECT_EQ(Frame{}.DisplayName(), "0x0");
}

}  // namespace
}  // namespace allocprof
