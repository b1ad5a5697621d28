// JavaArgumentList on method descriptors, and JavaMethodNames::Name / Line
// against fake HotSpot structures (Method, ConstMethod with its bytecodes
// and compressed line number table, ConstantPool, InstanceKlass, Symbols)
// built in this process's own memory and read back through SelfMemory(),
// with a layout of offsets chosen here.
#include "userspace/java/method_names.h"

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/java/fake_jvm_memory.h"

namespace allocprof {
namespace {

TEST(JavaArgumentList, ArgumentsAsJavaSourceWritesThem) {
  EXPECT_EQ(JavaArgumentList("(Ljava/lang/String;I[B[[J)V"),
            "(java.lang.String, int, byte[], long[][])");
  EXPECT_EQ(JavaArgumentList("()V"), "()");
  EXPECT_EQ(JavaArgumentList("(I)Ljava/nio/ByteBuffer;"), "(int)");
  EXPECT_EQ(JavaArgumentList("(BCDFIJSZ)Z"),
            "(byte, char, double, float, int, long, short, boolean)");
  EXPECT_EQ(JavaArgumentList("([Ljava/lang/Object;Ljava/util/Map$Entry;)V"),
            "(java.lang.Object[], java.util.Map$Entry)");
}

TEST(JavaArgumentList, MalformedIsNullopt) {
  EXPECT_EQ(JavaArgumentList(""), std::nullopt);
  EXPECT_EQ(JavaArgumentList("V"), std::nullopt);
  EXPECT_EQ(JavaArgumentList("I)V"), std::nullopt);
  EXPECT_EQ(JavaArgumentList("(I"), std::nullopt);              // no ')'
  EXPECT_EQ(JavaArgumentList("(Ljava/lang/String)V"), std::nullopt);  // no ';'
  EXPECT_EQ(JavaArgumentList("(Q)V"), std::nullopt);            // no such type
  EXPECT_EQ(JavaArgumentList("([)V"), std::nullopt);            // array of nothing
  EXPECT_EQ(JavaArgumentList("(["), std::nullopt);
}

// CompressedLineNumberWriteStream (JDK 17): a table of (bci, line) pairs
// stored as deltas from the pair before, then the terminator.
std::vector<uint8_t> LineNumberTable(const std::vector<std::pair<int, int>>& pairs,
                                     IntEncoding encoding = IntEncoding::kClassic) {
  std::vector<uint8_t> out;
  int last_bci = 0, last_line = 0;
  for (auto [bci, line] : pairs) {
    const int bci_delta = bci - last_bci, line_delta = line - last_line;
    last_bci = bci;
    last_line = line;
    if (bci_delta == 0 && line_delta == 0) continue;  // as write_pair_inline
    if ((bci_delta & ~0x1f) == 0 && (line_delta & ~0x7) == 0) {
      const uint8_t value = static_cast<uint8_t>(bci_delta << 3 | line_delta);
      if (value != 0xff) {
        out.push_back(value);
        continue;
      }
    }
    out.push_back(0xff);
    for (int delta : {bci_delta, line_delta}) {
      if (encoding == IntEncoding::kClassic) {
        WriteCompressedSignedInt(delta, &out);
      } else {
        WriteUnsigned5SignedInt(delta, &out);
      }
    }
  }
  out.push_back(0);
  return out;
}

// Offsets unlike each other and unlike any JDK's, so a field read through
// the wrong one reads something else.
JavaMethodNames::Layout TestLayout() {
  JavaMethodNames::Layout l;
  l.method_const_method = 0x08;
  l.const_method_size = 0x38;
  l.const_method_constants = 0x08;
  l.const_method_flags = 0x1a;
  l.const_method_code_size = 0x1c;
  l.const_method_name_index = 0x22;
  l.const_method_signature_index = 0x26;
  l.has_line_number_table = 0x0004;
  l.constant_pool_size = 0x50;
  l.constant_pool_holder = 0x18;
  l.constant_pool_source_file_index = 0x42;
  l.klass_name = 0x10;
  l.symbol_length = 0x04;
  l.symbol_body = 0x06;
  return l;
}

// A class's constant pool and methods, laid out as TestLayout() says.
class FakeClass {
 public:
  static constexpr uint16_t kPoolEntries = 16;

  FakeClass(FakeMemory* memory, const std::string& class_name) : memory_(memory) {
    pool_ = memory_->Alloc(layout_.constant_pool_size + 8 * kPoolEntries);
    const uint64_t klass = memory_->Alloc(0x40);
    FakeMemory::Put<uint64_t>(klass + layout_.klass_name, Symbol(class_name));
    FakeMemory::Put<uint64_t>(pool_ + layout_.constant_pool_holder, klass);
  }

  uint64_t Symbol(const std::string& text) {
    const uint64_t symbol = memory_->Alloc(layout_.symbol_body + text.size());
    FakeMemory::Put<uint32_t>(symbol, 0x1234abcd);  // _hash_and_refcount
    FakeMemory::Put<uint16_t>(symbol + layout_.symbol_length,
                              static_cast<uint16_t>(text.size()));
    std::memcpy(reinterpret_cast<void*>(symbol + layout_.symbol_body), text.data(), text.size());
    return symbol;
  }
  // Puts a Utf8 entry `text` at `index` of the pool.
  void PoolSymbol(uint16_t index, const std::string& text) {
    ASSERT_LT(index, kPoolEntries);
    FakeMemory::Put<uint64_t>(pool_ + layout_.constant_pool_size + 8 * index, Symbol(text));
  }
  void SourceFile(uint16_t index) {
    FakeMemory::Put<uint16_t>(pool_ + layout_.constant_pool_source_file_index, index);
  }

  // A Method* whose name and signature are pool entries `name_index` and
  // `signature_index`, with `code_size` bytes of bytecodes and, unless
  // `line_table` is empty, that line number table after them.
  uint64_t Method(uint16_t name_index, uint16_t signature_index, uint16_t code_size,
                  const std::vector<uint8_t>& line_table) {
    const uint64_t cm = memory_->Alloc(layout_.const_method_size + code_size + line_table.size());
    FakeMemory::Put<uint64_t>(cm + layout_.const_method_constants, pool_);
    // Another flag set beside it, which must not be taken for it.
    const uint16_t flags = 0x0002 | (line_table.empty() ? 0 : layout_.has_line_number_table);
    FakeMemory::Put<uint16_t>(cm + layout_.const_method_flags, flags);
    FakeMemory::Put<uint16_t>(cm + layout_.const_method_code_size, code_size);
    FakeMemory::Put<uint16_t>(cm + layout_.const_method_name_index, name_index);
    FakeMemory::Put<uint16_t>(cm + layout_.const_method_signature_index, signature_index);
    // Bytecodes that are no table terminator, so reading the table from
    // the wrong place would not stop at once.
    const uint64_t code = cm + layout_.const_method_size;
    for (uint16_t i = 0; i < code_size; ++i) FakeMemory::Put<uint8_t>(code + i, 0x2a);
    FakeMemory::PutBytes(code + code_size, line_table);
    const uint64_t method = memory_->Alloc(0x30);
    FakeMemory::Put<uint64_t>(method + layout_.method_const_method, cm);
    return method;
  }

  const JavaMethodNames::Layout& layout() const { return layout_; }

 private:
  FakeMemory* memory_;
  JavaMethodNames::Layout layout_ = TestLayout();
  uint64_t pool_ = 0;
};

// Pool indices of the fixture's class.
constexpr uint16_t kAllocateDirect = 3, kIntSignature = 4, kSourceFile = 7, kGet = 9,
                   kNoArgs = 10, kBadSignature = 11;

class JavaMethodNamesTest : public ::testing::Test {
 protected:
  JavaMethodNamesTest() : memory_(1 << 16), class_(&memory_, "java/nio/ByteBuffer") {
    class_.PoolSymbol(kAllocateDirect, "allocateDirect");
    class_.PoolSymbol(kIntSignature, "(I)Ljava/nio/ByteBuffer;");
    class_.PoolSymbol(kSourceFile, "ByteBuffer.java");
    class_.PoolSymbol(kGet, "get");
    class_.PoolSymbol(kNoArgs, "()B");
    class_.PoolSymbol(kBadSignature, "(Lunterminated");
    class_.SourceFile(kSourceFile);
  }

  FakeMemory memory_;
  FakeClass class_;
};

TEST_F(JavaMethodNamesTest, NameIsClassMethodAndArguments) {
  const uint64_t allocate = class_.Method(kAllocateDirect, kIntSignature, 10, {});
  const uint64_t get = class_.Method(kGet, kNoArgs, 10, {});
  JavaMethodNames names(SelfMemory(), class_.layout());
  names.set_line_encoding(IntEncoding::kClassic);
  EXPECT_EQ(names.Name(allocate), "java.nio.ByteBuffer.allocateDirect(int)");
  EXPECT_EQ(names.Name(get), "java.nio.ByteBuffer.get()");
  // Asked again: the same (from the cache).
  EXPECT_EQ(names.Name(allocate), "java.nio.ByteBuffer.allocateDirect(int)");
}

TEST_F(JavaMethodNamesTest, MalformedSignatureStillNamesTheMethod) {
  const uint64_t method = class_.Method(kGet, kBadSignature, 10, {});
  JavaMethodNames names(SelfMemory(), class_.layout());
  names.set_line_encoding(IntEncoding::kClassic);
  EXPECT_EQ(names.Name(method), "java.nio.ByteBuffer.get()");
}

TEST_F(JavaMethodNamesTest, UnreadableMethodHasNoName) {
  JavaMethodNames names(SelfMemory(), class_.layout());
  names.set_line_encoding(IntEncoding::kClassic);
  EXPECT_EQ(names.Name(0), std::nullopt);
  // A Method whose ConstMethod pointer is null.
  const uint64_t empty = memory_.Alloc(0x30);
  EXPECT_EQ(names.Name(empty), std::nullopt);
  EXPECT_FALSE(names.Line(empty, 0).known());
  // A name index whose pool entry holds no Symbol.
  const uint64_t nameless = class_.Method(12, kIntSignature, 10, {});
  EXPECT_EQ(names.Name(nameless), std::nullopt);
}

TEST_F(JavaMethodNamesTest, OverlongSymbolIsRejected) {
  FakeClass other(&memory_, std::string(2000, 'x'));
  other.PoolSymbol(1, "run");
  other.PoolSymbol(2, "()V");
  const uint64_t method = other.Method(1, 2, 10, {});
  JavaMethodNames names(SelfMemory(), other.layout());
  EXPECT_EQ(names.Name(method), std::nullopt);
}

TEST_F(JavaMethodNamesTest, LineOfExactAndInBetweenBcis) {
  // Pairs that take each path of the writer: single bytes, the escape for
  // a (31, 7) delta (whose single byte would be 0xff), a large line delta,
  // and negative deltas.
  const std::vector<std::pair<int, int>> pairs = {
      {0, 332}, {5, 334}, {36, 341}, {40, 347}, {90, 320}, {95, 1000}};
  const std::vector<uint8_t> table = LineNumberTable(pairs);
  // (0, 332) needs the escape, and its bci delta is a 0 byte that must
  // not be taken for the terminator.
  ASSERT_EQ(table[0], 0xff);
  ASSERT_EQ(table[1], 0x00);
  const uint64_t method = class_.Method(kAllocateDirect, kIntSignature, 100, table);
  JavaMethodNames names(SelfMemory(), class_.layout());
  names.set_line_encoding(IntEncoding::kClassic);

  for (auto [bci, line] : pairs) {
    const SourceLine source = names.Line(method, bci);
    EXPECT_EQ(source.file, "ByteBuffer.java") << bci;
    EXPECT_EQ(source.line, static_cast<uint32_t>(line)) << bci;
  }
  EXPECT_EQ(names.Line(method, 1).line, 332u);
  EXPECT_EQ(names.Line(method, 4).line, 332u);
  EXPECT_EQ(names.Line(method, 6).line, 334u);
  EXPECT_EQ(names.Line(method, 35).line, 334u);
  EXPECT_EQ(names.Line(method, 39).line, 341u);
  EXPECT_EQ(names.Line(method, 89).line, 347u);
  EXPECT_EQ(names.Line(method, 94).line, 320u);
  EXPECT_EQ(names.Line(method, 99).line, 1000u);
}

// An interpreted frame's bytecode pointer is recorded by its low 16 bits
// only: with where the method's bytecodes start (after its ConstMethod)
// they give the index, for a method has fewer than 64 KiB of bytecodes.
TEST_F(JavaMethodNamesTest, BciFromTheLow16BitsOfTheBytecodePointer) {
  const uint64_t method = class_.Method(kAllocateDirect, kIntSignature, 100, {});
  JavaMethodNames names(SelfMemory(), class_.layout());
  names.set_line_encoding(IntEncoding::kClassic);
  const uint64_t const_method =
      FakeMemory::Get<uint64_t>(method + class_.layout().method_const_method);
  const uint64_t code = const_method + class_.layout().const_method_size;
  for (int bci : {0, 1, 42, 99}) {
    auto found = names.BciOf(method, static_cast<uint16_t>(code + bci));
    ASSERT_TRUE(found.has_value()) << bci;
    EXPECT_EQ(*found, bci);
  }
  // Past the bytecodes, or before them: no bytecode of this method.
  EXPECT_FALSE(names.BciOf(method, static_cast<uint16_t>(code + 100)).has_value());
  EXPECT_FALSE(names.BciOf(method, static_cast<uint16_t>(code - 1)).has_value());
}

// A release after JDK 19 writes the larger steps in UNSIGNED5; until it is
// known which, a table that needs them gives no line rather than a wrong
// one, and one that does not gives its lines.
TEST_F(JavaMethodNamesTest, LineTablesInEitherEncoding) {
  const std::vector<std::pair<int, int>> pairs = {{0, 332}, {5, 334}, {90, 320}};
  const uint64_t unsigned5 = class_.Method(kAllocateDirect, kIntSignature, 100,
                                           LineNumberTable(pairs, IntEncoding::kUnsigned5));
  const uint64_t small = class_.Method(kAllocateDirect, kIntSignature, 100,
                                       LineNumberTable({{1, 2}, {9, 5}}));
  JavaMethodNames names(SelfMemory(), class_.layout());
  EXPECT_EQ(names.Line(unsigned5, 5).line, 0u);
  EXPECT_EQ(names.Line(small, 9).line, 5u);
  names.set_line_encoding(IntEncoding::kUnsigned5);
  for (auto [bci, line] : pairs) {
    EXPECT_EQ(names.Line(unsigned5, bci).line, static_cast<uint32_t>(line)) << bci;
  }
  EXPECT_EQ(names.Line(small, 9).line, 5u);
}

TEST_F(JavaMethodNamesTest, LineOutsideTheBytecodesIsUnknown) {
  const uint64_t method =
      class_.Method(kAllocateDirect, kIntSignature, 100, LineNumberTable({{0, 10}, {50, 20}}));
  JavaMethodNames names(SelfMemory(), class_.layout());
  names.set_line_encoding(IntEncoding::kClassic);
  EXPECT_EQ(names.Line(method, 99).line, 20u);
  const SourceLine beyond = names.Line(method, 100);
  EXPECT_FALSE(beyond.known());
  EXPECT_EQ(beyond.file, "");
  EXPECT_FALSE(names.Line(method, 5000).known());
  EXPECT_FALSE(names.Line(method, -1).known());
}

TEST_F(JavaMethodNamesTest, LineBeforeTheFirstEntryIsUnknown) {
  const uint64_t method =
      class_.Method(kAllocateDirect, kIntSignature, 100, LineNumberTable({{8, 10}, {30, 20}}));
  JavaMethodNames names(SelfMemory(), class_.layout());
  names.set_line_encoding(IntEncoding::kClassic);
  EXPECT_FALSE(names.Line(method, 0).known());
  EXPECT_FALSE(names.Line(method, 7).known());
  EXPECT_EQ(names.Line(method, 8).line, 10u);
  EXPECT_EQ(names.Line(method, 9).line, 10u);
}

TEST_F(JavaMethodNamesTest, UnsortedTableGivesTheClosestEntryBefore) {
  // Method::line_number_from_bci: entries need not be sorted; the one with
  // the greatest bci below the one asked for wins.
  const uint64_t method = class_.Method(
      kAllocateDirect, kIntSignature, 100, LineNumberTable({{0, 10}, {20, 14}, {8, 30}}));
  JavaMethodNames names(SelfMemory(), class_.layout());
  names.set_line_encoding(IntEncoding::kClassic);
  EXPECT_EQ(names.Line(method, 15).line, 30u);
  EXPECT_EQ(names.Line(method, 25).line, 14u);
  EXPECT_EQ(names.Line(method, 5).line, 10u);
  EXPECT_EQ(names.Line(method, 8).line, 30u);
}

TEST_F(JavaMethodNamesTest, NoLineNumberTableFlagMeansUnknown) {
  // A table after the bytecodes, but the flag says there is none.
  const uint64_t method = class_.Method(kAllocateDirect, kIntSignature, 4, {});
  FakeMemory::PutBytes(
      *SelfMemory().Read<uint64_t>(method + class_.layout().method_const_method) +
          class_.layout().const_method_size + 4,
      LineNumberTable({{0, 10}}));
  JavaMethodNames names(SelfMemory(), class_.layout());
  names.set_line_encoding(IntEncoding::kClassic);
  EXPECT_EQ(names.Name(method), "java.nio.ByteBuffer.allocateDirect(int)");
  EXPECT_FALSE(names.Line(method, 0).known());
  EXPECT_FALSE(names.Line(method, 2).known());
}

TEST_F(JavaMethodNamesTest, SourceFileComesFromThePoolsSourceFileIndex) {
  FakeClass other(&memory_, "com/example/Main");
  other.PoolSymbol(1, "main");
  other.PoolSymbol(2, "([Ljava/lang/String;)V");
  other.PoolSymbol(5, "Main.java");
  other.PoolSymbol(6, "Other.java");
  const uint64_t method = other.Method(1, 2, 20, LineNumberTable({{0, 42}}));
  {
    other.SourceFile(6);
    JavaMethodNames names(SelfMemory(), other.layout());
    names.set_line_encoding(IntEncoding::kClassic);
    EXPECT_EQ(names.Name(method), "com.example.Main.main(java.lang.String[])");
    const SourceLine line = names.Line(method, 3);
    EXPECT_EQ(line.file, "Other.java");
    EXPECT_EQ(line.line, 42u);
  }
  {
    other.SourceFile(5);
    JavaMethodNames names(SelfMemory(), other.layout());
    names.set_line_encoding(IntEncoding::kClassic);
    EXPECT_EQ(names.Line(method, 3).file, "Main.java");
  }
  {
    // Index 0: the class names no source file; the line is still known.
    other.SourceFile(0);
    JavaMethodNames names(SelfMemory(), other.layout());
    names.set_line_encoding(IntEncoding::kClassic);
    const SourceLine line = names.Line(method, 3);
    EXPECT_EQ(line.file, "");
    EXPECT_EQ(line.line, 42u);
  }
}

}  // namespace
}  // namespace allocprof
