#include "userspace/symbols/demangle.h"

#include "gtest/gtest.h"

namespace allocprof {
namespace {

TEST(SymbolsDemangle, DemanglesItaniumNames) {
  EXPECT_EQ(Demangle("_ZN3foo3barEi"), "foo::bar(int)");
  EXPECT_EQ(Demangle("_Znwm"), "operator new(unsigned long)");
  EXPECT_EQ(Demangle("_ZN3foo3barEi.cold"), "foo::bar(int) [clone .cold]");
}

TEST(SymbolsDemangle, LeavesOtherNamesAlone) {
  EXPECT_EQ(Demangle("malloc"), "malloc");
  // A bare type code would demangle to "int" if it were tried.
  EXPECT_EQ(Demangle("i"), "i");
  EXPECT_EQ(Demangle("_Z_not_valid("), "_Z_not_valid(");
  EXPECT_EQ(Demangle(""), "");
}

}  // namespace
}  // namespace allocprof
