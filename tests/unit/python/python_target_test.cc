#include "userspace/python/python_target.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/unit/python/fake_interpreter.h"
#include "userspace/python/debug_offsets.h"

namespace allocprof {
namespace {

// Each version's layout: the table's, or 3.13's from _Py_DebugOffsets.
PythonLayout LayoutOf(int minor) {
  if (minor >= 13) return *PythonLayoutFromDebugOffsets(FakeDebugOffsets313(), 283376);
  return *PythonLayoutFor(3, minor);
}

// A line table, in the version's format, that puts byte offset 6 on the
// function's second line (first line 10).
std::string TableWithLine11At6(const PythonLayout& l) {
  switch (l.line_table) {
    case PythonLineTableFormat::kLnotab:  // (bytes, line delta) at offset 6
      return std::string("\x06\x01", 2);
    case PythonLineTableFormat::kLineTable310:  // [0,6) line 10, [6,20) 11
      return std::string("\x06\x00\x0e\x01", 4);
    case PythonLineTableFormat::kLocationTable:  // 3 units, line 10; 7 units, 11
      return std::string("\xd2\xde", 2);
  }
  return "";
}

class PythonVersionTest : public ::testing::TestWithParam<int> {};

TEST_P(PythonVersionTest, TheRunningInterpreterChecksOut) {
  FakeInterpreter py(LayoutOf(GetParam()));
  py.Start(GetParam() >= 13 ? FakeDebugOffsets313() : "");
  EXPECT_TRUE(CheckPythonRuntimeSize(py.symbols(), py.layout()).ok());
  EXPECT_TRUE(CheckPythonLayout(SelfMemory(), py.symbols(), py.layout()).ok());
}

TEST_P(PythonVersionTest, PointersThatDoNotLeadBackAreRefused) {
  FakeInterpreter py(LayoutOf(GetParam()));
  py.Start();
  const PythonLayout& l = py.layout();
  FakeMemory::Put<uint64_t>(py.tstate() + l.tstate_interp, py.tstate());
  absl::Status s = CheckPythonLayout(SelfMemory(), py.symbols(), l);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_NE(s.message().find("thread state does not point back"), absl::string_view::npos);
  if (l.interp_runtime) {
    FakeMemory::Put<uint64_t>(py.interp() + l.interp_runtime, 0);
    s = CheckPythonLayout(SelfMemory(), py.symbols(), l);
    EXPECT_NE(s.message().find("interpreter does not point back"), absl::string_view::npos)
        << s;
  }
  // Not yet initialised: checked again later.
  FakeMemory::Put<uint64_t>(py.symbols().runtime + l.runtime_interp_head, 0);
  EXPECT_TRUE(absl::IsUnavailable(CheckPythonLayout(SelfMemory(), py.symbols(), l)));
}

TEST_P(PythonVersionTest, AnotherSizeOfRuntimeIsRefused) {
  FakeInterpreter py(LayoutOf(GetParam()));
  py.Start();
  PythonSymbols symbols = py.symbols();
  symbols.runtime_size += 8;
  const absl::Status s = CheckPythonRuntimeSize(symbols, py.layout());
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_NE(s.message().find(absl::StrCat("3.", GetParam())), absl::string_view::npos) << s;
}

TEST_P(PythonVersionTest, NamesAFunctionAtItsLine) {
  FakeInterpreter py(LayoutOf(GetParam()));
  const PythonLayout& l = py.layout();
  const uint64_t code = py.Code(py.Str("Server.handle"), py.Str("/srv/app.py"), 10,
                                py.Bytes(TableWithLine11At6(l)));
  PythonCodeNames names = py.Names();
  Frame frame;
  ASSERT_TRUE(names.Describe(code, 1, &frame));  // byte offset 2
  EXPECT_EQ(frame.function, "Server.handle");
  EXPECT_EQ(frame.source.file, "/srv/app.py");
  EXPECT_EQ(frame.source.line, 10u);
  ASSERT_TRUE(names.Describe(code, 3, &frame));  // byte offset 6
  EXPECT_EQ(frame.source.line, 11u);
  ASSERT_TRUE(names.Describe(code, -1, &frame));
  EXPECT_EQ(frame.source.line, 10u);
  // Non-ASCII names, in each version's str layout.
  const uint64_t other = py.Code(py.Ucs2(u"r\u00e9ponse"), py.Str("a.py"), 10,
                                 py.Bytes(TableWithLine11At6(l)));
  ASSERT_TRUE(names.Describe(other, 0, &frame));
  EXPECT_EQ(frame.function, "r\xc3\xa9ponse");
}

INSTANTIATE_TEST_SUITE_P(Versions, PythonVersionTest, ::testing::Values(8, 9, 10, 11, 12, 13),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return absl::StrCat("Python3_", info.param);
                         });

TEST(PythonMinorFromNameTest, TheVersionInAnInterpretersFileName) {
  EXPECT_EQ(PythonMinorFromName("/usr/bin/python3.9"), 9);
  EXPECT_EQ(PythonMinorFromName("/usr/lib/x86_64-linux-gnu/libpython3.10.so.1.0"), 10);
  EXPECT_EQ(PythonMinorFromName("/opt/py/bin/python3.8d"), 8);
  EXPECT_EQ(PythonMinorFromName("python3.12"), 12);
  EXPECT_EQ(PythonMinorFromName("/usr/bin/python3"), std::nullopt);
  EXPECT_EQ(PythonMinorFromName("/usr/bin/python3.1234"), std::nullopt);
  EXPECT_EQ(PythonMinorFromName("/usr/bin/python"), std::nullopt);
  EXPECT_EQ(PythonMinorFromName("/usr/bin/mypython3.9"), std::nullopt);
}

}  // namespace
}  // namespace allocprof
