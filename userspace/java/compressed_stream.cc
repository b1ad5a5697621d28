#include "userspace/java/compressed_stream.h"

namespace allocprof {
namespace {

constexpr uint32_t kLowBytes = 192;  // a byte below this ends a number
constexpr int kBitsPerByte = 6, kMaxBytes = 5;

}  // namespace

std::optional<uint32_t> ReadCompressedInt(const uint8_t* bytes, size_t size, size_t* pos) {
  uint32_t sum = 0;
  for (int i = 0; i < kMaxBytes; ++i) {
    if (*pos >= size) return std::nullopt;
    const uint32_t b = bytes[(*pos)++];
    sum += b << (kBitsPerByte * i);
    if (b < kLowBytes) break;
  }
  return sum;
}

std::optional<int32_t> ReadCompressedSignedInt(const uint8_t* bytes, size_t size, size_t* pos) {
  auto value = ReadCompressedInt(bytes, size, pos);
  if (!value) return std::nullopt;
  return static_cast<int32_t>((*value >> 1) ^ (0u - (*value & 1)));
}

}  // namespace allocprof
