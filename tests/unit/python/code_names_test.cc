#include "userspace/python/code_names.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "tests/unit/python/fake_interpreter.h"

namespace allocprof {
namespace {

// CPython 3.11's objects.
class FakeInterpreter311 : public FakeInterpreter {
 public:
  FakeInterpreter311() : FakeInterpreter(*PythonLayoutFor(3, 11)) {}
};

// simple()'s table from line_tables.inc: lines 2, 3 (offsets 2-10), 4.
const std::string kSimpleTable(
    "\x80\x00\xd8\x08\x09\x88\x41\x89\x05\x80\x41\xd8\x0b\x0c\x80\x48", 16);

TEST(PythonCodeNamesTest, NamesAFunctionAtTheLineOfItsInstruction) {
  FakeInterpreter311 py;
  const uint64_t code = py.Code(py.Str("Server.handle"), py.Str("/srv/app.py"), 2,
                                py.Bytes(kSimpleTable));
  PythonCodeNames names = py.Names();
  Frame frame;
  ASSERT_TRUE(names.Describe(code, 3, &frame));  // byte offset 6
  EXPECT_EQ(frame.function, "Server.handle");
  EXPECT_EQ(frame.source.file, "/srv/app.py");
  EXPECT_EQ(frame.source.line, 3u);
  ASSERT_TRUE(names.Describe(code, 6, &frame));
  EXPECT_EQ(frame.source.line, 4u);
  // Before its first instruction: its first line.
  ASSERT_TRUE(names.Describe(code, -1, &frame));
  EXPECT_EQ(frame.source.line, 2u);
  // Past its table: its first line too, as a traceback would say nothing
  // better.
  ASSERT_TRUE(names.Describe(code, 1000, &frame));
  EXPECT_EQ(frame.source.line, 2u);
}

TEST(PythonCodeNamesTest, AnotherCodeObjectAtAFreedOnesAddressIsReadAnew) {
  FakeInterpreter311 py;
  const uint64_t code = py.Code(py.Str("first"), py.Str("a.py"), 2, py.Bytes(kSimpleTable));
  PythonCodeNames names = py.Names();
  Frame frame;
  ASSERT_TRUE(names.Describe(code, 0, &frame));
  EXPECT_EQ(frame.function, "first");
  FakeMemory::Put<uint64_t>(code + py.layout().code_qualname, py.Str("second"));
  ASSERT_TRUE(names.Describe(code, 0, &frame));
  EXPECT_EQ(frame.function, "second");
}

TEST(PythonCodeNamesTest, NonAsciiNamesAsUtf8) {
  FakeInterpreter311 py;
  const uint64_t code =
      py.Code(py.Ucs2(u"r\u00e9ponse"), py.Str("a.py"), 7, py.Bytes(kSimpleTable));
  PythonCodeNames names = py.Names();
  Frame frame;
  ASSERT_TRUE(names.Describe(code, 0, &frame));
  EXPECT_EQ(frame.function, "r\xc3\xa9ponse");
}

TEST(PythonCodeNamesTest, WhatIsNotACodeObjectIsNotNamed) {
  FakeInterpreter311 py;
  const uint64_t name = py.Str("f");
  PythonCodeNames names = py.Names();
  Frame frame;
  // A str where a code object should be, and unmapped memory.
  EXPECT_FALSE(names.Describe(name, 0, &frame));
  EXPECT_FALSE(names.Describe(8, 0, &frame));
  // A code object whose name is no str.
  const uint64_t bad = py.Code(py.Bytes("f"), py.Str("a.py"), 1, py.Bytes(kSimpleTable));
  EXPECT_FALSE(names.Describe(bad, 0, &frame));
}

TEST(PythonCodeNamesTest, AHostileTableOrLengthIsNotBelieved) {
  FakeInterpreter311 py;
  // A line table that is no bytes object: the function keeps its name and
  // first line.
  const uint64_t code = py.Code(py.Str("f"), py.Str("a.py"), 9, py.Str("not bytes"));
  PythonCodeNames names = py.Names();
  Frame frame;
  ASSERT_TRUE(names.Describe(code, 2, &frame));
  EXPECT_EQ(frame.function, "f");
  EXPECT_EQ(frame.source.line, 9u);
  // A str claiming more characters than any name has.
  const uint64_t huge = py.Str("g");
  FakeMemory::Put<int64_t>(huge + py.layout().unicode_length, int64_t{1} << 40);
  const uint64_t code2 = py.Code(huge, py.Str("a.py"), 1, py.Bytes(kSimpleTable));
  EXPECT_FALSE(names.Describe(code2, 0, &frame));
}

}  // namespace
}  // namespace allocprof
