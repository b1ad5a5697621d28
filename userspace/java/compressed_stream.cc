#include "userspace/java/compressed_stream.h"

namespace allocprof {
namespace {

constexpr int kBitsPerByte = 6, kMaxBytes = 5;
// kClassic: bytes below this end a number.
constexpr uint32_t kClassicLowBytes = 192;
// kUnsigned5: the byte never written, and how many end a number.
constexpr uint32_t kExcludedBytes = 1, kUnsigned5LowBytes = 191;
// SparseIntReader's first byte: its marker and "more follow" bits, and
// the later bytes' "more follow" bit.
constexpr uint8_t kSparseFirstMore = 0x40, kSparseFirstValue = 0x3f;
constexpr uint8_t kSparseMore = 0x80, kSparseValue = 0x7f;
constexpr int kSparseFirstBits = 6, kSparseBits = 7, kSparseMaxBytes = 5;

}  // namespace

std::optional<uint32_t> ReadCompressedInt(const uint8_t* bytes, size_t size, size_t* pos,
                                          IntEncoding encoding) {
  const uint32_t excluded = encoding == IntEncoding::kUnsigned5 ? kExcludedBytes : 0;
  const uint32_t low = encoding == IntEncoding::kUnsigned5 ? kUnsigned5LowBytes : kClassicLowBytes;
  uint32_t sum = 0;
  for (int i = 0; i < kMaxBytes; ++i) {
    if (*pos >= size) return std::nullopt;
    const uint32_t b = bytes[(*pos)++];
    if (b < excluded) return std::nullopt;
    sum += (b - excluded) << (kBitsPerByte * i);
    if (b < excluded + low) break;
  }
  return sum;
}

std::optional<int32_t> ReadCompressedSignedInt(const uint8_t* bytes, size_t size, size_t* pos,
                                               IntEncoding encoding) {
  auto value = ReadCompressedInt(bytes, size, pos, encoding);
  if (!value) return std::nullopt;
  return static_cast<int32_t>((*value >> 1) ^ (0u - (*value & 1)));
}

std::optional<uint8_t> SparseIntReader::Byte() {
  if (pos_ >= size_) return std::nullopt;
  if (bit_ == 0) return bytes_[pos_++];
  if (pos_ + 1 >= size_) return std::nullopt;
  const auto b = static_cast<uint8_t>((bytes_[pos_] << bit_) | (bytes_[pos_ + 1] >> (8 - bit_)));
  ++pos_;
  return b;
}

std::optional<uint32_t> SparseIntReader::Next() {
  if (pos_ >= size_) return std::nullopt;
  if ((bytes_[pos_] & (0x80 >> bit_)) == 0) {  // a zero: one bit
    if (++bit_ == 8) {
      bit_ = 0;
      ++pos_;
    }
    return 0;
  }
  std::optional<uint8_t> b = Byte();
  if (!b) return std::nullopt;
  uint32_t value = *b & kSparseFirstValue;
  bool more = *b & kSparseFirstMore;
  for (int i = 0; more; ++i) {
    if (i == kSparseMaxBytes - 1 || !(b = Byte())) return std::nullopt;
    value |= static_cast<uint32_t>(*b & kSparseValue) << (kSparseFirstBits + kSparseBits * i);
    more = *b & kSparseMore;
  }
  return value;
}

}  // namespace allocprof
