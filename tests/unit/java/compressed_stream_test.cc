// ReadCompressedInt / ReadCompressedSignedInt against bytes written the way
// HotSpot's CompressedWriteStream::write_int and write_signed_int write them
// (JDK 17): round trips across every byte-count boundary, sequential reads,
// and reads that run past the end of the bytes.
#include "userspace/java/compressed_stream.h"

#include <cstdint>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/java/fake_jvm_memory.h"

namespace allocprof {
namespace {

std::vector<uint32_t> UnsignedSamples() {
  std::vector<uint32_t> values = {0,          1,          63,         64,         191,
                                  192,        193,        255,        256,        12287,
                                  12288,      12289,      786431,     786432,     786433,
                                  50331647,   50331648,   50331649,   123456789,  0x7fffffff,
                                  0x80000000, 0xdeadbeef, 0xfffffffe, 0xffffffff};
  // And a sweep over the low range, where each byte count begins.
  for (uint32_t v = 0; v < 20000; v += 7) values.push_back(v);
  for (uint32_t v = 1; v != 0 && v < 0xf0000000u; v = v * 3 + 1) values.push_back(v);
  return values;
}

TEST(CompressedStream, SmallValuesAreOneByte) {
  for (uint32_t v : {0u, 1u, 100u, 191u}) {
    std::vector<uint8_t> bytes;
    WriteCompressedInt(v, &bytes);
    ASSERT_EQ(bytes.size(), 1u) << v;
    size_t pos = 0;
    EXPECT_EQ(ReadCompressedInt(bytes.data(), bytes.size(), &pos), v);
    EXPECT_EQ(pos, 1u);
  }
}

TEST(CompressedStream, ByteCountsGrowAtEachBoundary) {
  // 192 needs a second byte, 192 + 192 * 64 = 12480 a third...; what the
  // writer produces is what the reader must consume, byte for byte.
  for (uint32_t v : {192u, 12287u, 12288u, 12479u, 12480u, 798911u, 798912u, 0xffffffffu}) {
    std::vector<uint8_t> bytes;
    WriteCompressedInt(v, &bytes);
    bytes.push_back(0x2a);  // what follows must be left unread
    size_t pos = 0;
    EXPECT_EQ(ReadCompressedInt(bytes.data(), bytes.size(), &pos), v) << v;
    EXPECT_EQ(pos, bytes.size() - 1) << v;
  }
  std::vector<uint8_t> bytes;
  WriteCompressedInt(191, &bytes);
  WriteCompressedInt(192, &bytes);
  WriteCompressedInt(12479, &bytes);
  WriteCompressedInt(12480, &bytes);
  WriteCompressedInt(0xffffffffu, &bytes);
  EXPECT_EQ(bytes.size(), 1u + 2 + 2 + 3 + 5);
}

TEST(CompressedStream, UnsignedRoundTrips) {
  const std::vector<uint32_t> values = UnsignedSamples();
  std::vector<uint8_t> bytes;
  for (uint32_t v : values) WriteCompressedInt(v, &bytes);
  size_t pos = 0;
  for (uint32_t v : values) {
    auto read = ReadCompressedInt(bytes.data(), bytes.size(), &pos);
    ASSERT_TRUE(read.has_value()) << v;
    ASSERT_EQ(*read, v);
  }
  EXPECT_EQ(pos, bytes.size());
  EXPECT_EQ(ReadCompressedInt(bytes.data(), bytes.size(), &pos), std::nullopt);
}

TEST(CompressedStream, SignedRoundTrips) {
  std::vector<int32_t> values = {0,      -1,      1,      -2,         2,         95,
                                 96,     -96,     -97,    6143,       -6144,     6144,
                                 -12345, 1000000, -99999, 0x3fffffff, -0x40000000,
                                 std::numeric_limits<int32_t>::max(),
                                 std::numeric_limits<int32_t>::min()};
  for (int32_t v = -5000; v <= 5000; v += 3) values.push_back(v);
  std::vector<uint8_t> bytes;
  for (int32_t v : values) WriteCompressedSignedInt(v, &bytes);
  size_t pos = 0;
  for (int32_t v : values) {
    auto read = ReadCompressedSignedInt(bytes.data(), bytes.size(), &pos);
    ASSERT_TRUE(read.has_value()) << v;
    ASSERT_EQ(*read, v);
  }
  EXPECT_EQ(pos, bytes.size());
}

TEST(CompressedStream, SignedIsZigzag) {
  // 0, -1, 1, -2 are stored as 0, 1, 2, 3.
  const std::vector<uint8_t> bytes = {0, 1, 2, 3};
  size_t pos = 0;
  EXPECT_EQ(ReadCompressedSignedInt(bytes.data(), bytes.size(), &pos), 0);
  EXPECT_EQ(ReadCompressedSignedInt(bytes.data(), bytes.size(), &pos), -1);
  EXPECT_EQ(ReadCompressedSignedInt(bytes.data(), bytes.size(), &pos), 1);
  EXPECT_EQ(ReadCompressedSignedInt(bytes.data(), bytes.size(), &pos), -2);
}

TEST(CompressedStream, ReadingPastTheEndIsNullopt) {
  size_t pos = 0;
  EXPECT_EQ(ReadCompressedInt(nullptr, 0, &pos), std::nullopt);
  EXPECT_EQ(ReadCompressedSignedInt(nullptr, 0, &pos), std::nullopt);

  // Every proper prefix of a multi-byte number is cut short.
  std::vector<uint8_t> bytes;
  WriteCompressedInt(0xdeadbeef, &bytes);
  ASSERT_EQ(bytes.size(), 5u);
  for (size_t size = 0; size < bytes.size(); ++size) {
    pos = 0;
    EXPECT_EQ(ReadCompressedInt(bytes.data(), size, &pos), std::nullopt) << size;
    pos = 0;
    EXPECT_EQ(ReadCompressedSignedInt(bytes.data(), size, &pos), std::nullopt) << size;
  }

  // A position already at the end.
  const std::vector<uint8_t> one = {7};
  pos = 1;
  EXPECT_EQ(ReadCompressedInt(one.data(), one.size(), &pos), std::nullopt);
}

TEST(CompressedStream, FifthByteEndsTheNumberWhateverItIs) {
  // MAX_i: the writer stores the fifth byte raw, even when it is >= 192.
  const std::vector<uint8_t> bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0x05};
  size_t pos = 0;
  auto value = ReadCompressedInt(bytes.data(), bytes.size(), &pos);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(pos, 5u);
  const uint32_t expected =
      255u + (255u << 6) + (255u << 12) + (255u << 18) + (255u << 24);  // mod 2^32
  EXPECT_EQ(*value, expected);
}

// UNSIGNED5: values up to 190 in one byte, none of them 0.
TEST(CompressedStream, Unsigned5RoundTripsAndNeverWritesZero) {
  std::vector<uint8_t> one;
  WriteUnsigned5Int(190, &one);
  EXPECT_EQ(one.size(), 1u);
  for (uint32_t v : UnsignedSamples()) {
    std::vector<uint8_t> bytes;
    WriteUnsigned5Int(v, &bytes);
    for (uint8_t b : bytes) ASSERT_NE(b, 0) << v;
    bytes.push_back(0x2a);
    size_t pos = 0;
    EXPECT_EQ(ReadCompressedInt(bytes.data(), bytes.size(), &pos, IntEncoding::kUnsigned5), v);
    EXPECT_EQ(pos, bytes.size() - 1) << v;
  }
  for (int32_t v : {0, -1, 1, -2, 1000, -100000, 2147483647}) {
    std::vector<uint8_t> bytes;
    WriteUnsigned5SignedInt(v, &bytes);
    size_t pos = 0;
    EXPECT_EQ(ReadCompressedSignedInt(bytes.data(), bytes.size(), &pos, IntEncoding::kUnsigned5),
              v);
  }
  // A 0 byte is none of its.
  const uint8_t zero[] = {0};
  size_t pos = 0;
  EXPECT_EQ(ReadCompressedInt(zero, 1, &pos, IntEncoding::kUnsigned5), std::nullopt);
}

// The sparse stream: bit-aligned, zeros one bit each.
TEST(SparseIntReader, ReadsWhatTheSparseWriterWrote) {
  std::vector<uint32_t> values = {0, 0, 1, 63, 64, 0, 8191, 8192, 0, 0, 0};
  for (uint32_t v : UnsignedSamples()) values.push_back(v);
  SparseWriter writer;
  for (uint32_t v : values) writer.Write(v);
  SparseIntReader reader(writer.bytes().data(), writer.bytes().size());
  for (uint32_t v : values) EXPECT_EQ(reader.Next(), v);
  SparseWriter zeros;
  for (int i = 0; i < 8; ++i) zeros.Write(0);
  EXPECT_EQ(zeros.bytes().size(), 1u);
  EXPECT_EQ(zeros.bytes()[0], 0);
  // Past the end, and a number cut short.
  SparseIntReader at_end(zeros.bytes().data(), zeros.bytes().size());
  for (int i = 0; i < 8; ++i) EXPECT_EQ(at_end.Next(), 0u);
  EXPECT_EQ(at_end.Next(), std::nullopt);
  SparseWriter big;
  big.Write(0xffffffffu);
  SparseIntReader cut(big.bytes().data(), big.bytes().size() - 1);
  EXPECT_EQ(cut.Next(), std::nullopt);
}

}  // namespace
}  // namespace allocprof
