#include "userspace/python/code_names.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "tests/unit/java/fake_jvm_memory.h"

namespace allocprof {
namespace {

// CPython 3.11's objects, built in this process's memory with the layout
// the code under test reads.
class FakeInterpreter {
 public:
  FakeInterpreter() : layout_(*PythonLayoutFor(3, 11)) {
    types_.code = memory_.Alloc(64);
    types_.unicode = memory_.Alloc(64);
    types_.bytes = memory_.Alloc(64);
  }

  // A compact str: ASCII (kind 1, ascii), or UCS-2 (kind 2).
  uint64_t Str(const std::string& ascii) {
    const uint64_t s = memory_.Alloc(layout_.unicode_ascii_data + ascii.size() + 1);
    FakeMemory::Put<uint64_t>(s + layout_.object_type, types_.unicode);
    FakeMemory::Put<int64_t>(s + layout_.unicode_length, static_cast<int64_t>(ascii.size()));
    FakeMemory::Put<uint32_t>(s + layout_.unicode_state, (1u << 2) | (1u << 5) | (1u << 6));
    std::memcpy(reinterpret_cast<void*>(s + layout_.unicode_ascii_data), ascii.data(),
                ascii.size());
    return s;
  }
  uint64_t Ucs2(const std::u16string& text) {
    const uint64_t s = memory_.Alloc(layout_.unicode_compact_data + 2 * text.size() + 2);
    FakeMemory::Put<uint64_t>(s + layout_.object_type, types_.unicode);
    FakeMemory::Put<int64_t>(s + layout_.unicode_length, static_cast<int64_t>(text.size()));
    FakeMemory::Put<uint32_t>(s + layout_.unicode_state, (2u << 2) | (1u << 5));
    std::memcpy(reinterpret_cast<void*>(s + layout_.unicode_compact_data), text.data(),
                2 * text.size());
    return s;
  }
  uint64_t Bytes(const std::string& data) {
    const uint64_t b = memory_.Alloc(layout_.bytes_data + data.size() + 1);
    FakeMemory::Put<uint64_t>(b + layout_.object_type, types_.bytes);
    FakeMemory::Put<int64_t>(b + layout_.var_object_size, static_cast<int64_t>(data.size()));
    std::memcpy(reinterpret_cast<void*>(b + layout_.bytes_data), data.data(), data.size());
    return b;
  }
  uint64_t Code(uint64_t qualname, uint64_t filename, int first_line, uint64_t table) {
    const uint64_t c = memory_.Alloc(layout_.code_adaptive + 64);
    FakeMemory::Put<uint64_t>(c + layout_.object_type, types_.code);
    FakeMemory::Put<uint64_t>(c + layout_.code_qualname, qualname);
    FakeMemory::Put<uint64_t>(c + layout_.code_filename, filename);
    FakeMemory::Put<int32_t>(c + layout_.code_firstlineno, first_line);
    FakeMemory::Put<uint64_t>(c + layout_.code_linetable, table);
    return c;
  }

  PythonCodeNames Names() { return PythonCodeNames(SelfMemory(), layout_, types_); }
  const PythonLayout& layout() const { return layout_; }

 private:
  FakeMemory memory_{1 << 16};
  PythonLayout layout_;
  PythonCodeNames::Types types_;
};

// simple()'s table from line_tables.inc: lines 2, 3 (offsets 2-10), 4.
const std::string kSimpleTable(
    "\x80\x00\xd8\x08\x09\x88\x41\x89\x05\x80\x41\xd8\x0b\x0c\x80\x48", 16);

TEST(PythonCodeNamesTest, NamesAFunctionAtTheLineOfItsInstruction) {
  FakeInterpreter py;
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
  FakeInterpreter py;
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
  FakeInterpreter py;
  const uint64_t code =
      py.Code(py.Ucs2(u"r\u00e9ponse"), py.Str("a.py"), 7, py.Bytes(kSimpleTable));
  PythonCodeNames names = py.Names();
  Frame frame;
  ASSERT_TRUE(names.Describe(code, 0, &frame));
  EXPECT_EQ(frame.function, "r\xc3\xa9ponse");
}

TEST(PythonCodeNamesTest, WhatIsNotACodeObjectIsNotNamed) {
  FakeInterpreter py;
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
  FakeInterpreter py;
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
