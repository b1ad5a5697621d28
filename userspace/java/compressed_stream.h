// The encodings in which HotSpot keeps compiled methods' debug information
// and methods' line number tables (CompressedReadStream and its kin).
// Which one a JVM uses depends on its release; code_cache.h tells them
// apart by what they decode to.
#ifndef ALLOCPROF_USERSPACE_JAVA_COMPRESSED_STREAM_H_
#define ALLOCPROF_USERSPACE_JAVA_COMPRESSED_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <optional>

namespace allocprof {

// One int of 1 to 5 bytes, each of the first four "high" bytes carrying
// six bits and saying more follow:
//   kClassic:   bytes below 192 end a number (JDK 8 to 19);
//   kUnsigned5: the same shifted by one, so that no byte is 0 (HotSpot's
//               UNSIGNED5, from the releases after).
enum class IntEncoding { kClassic, kUnsigned5 };

// The int at bytes[*pos], advancing *pos; nullopt past `size` or on a
// byte the encoding never writes.
std::optional<uint32_t> ReadCompressedInt(const uint8_t* bytes, size_t size, size_t* pos,
                                          IntEncoding encoding = IntEncoding::kClassic);
// A signed one: zigzag-coded (0, -1, 1, -2 ... as 0, 1, 2, 3 ...).
std::optional<int32_t> ReadCompressedSignedInt(const uint8_t* bytes, size_t size, size_t* pos,
                                               IntEncoding encoding = IntEncoding::kClassic);

// HotSpot's CompressedSparseDataReadStream, in which later releases keep
// debug information: bit-aligned, a 0 bit for a zero; else a byte whose
// top bit is 1, the next says more follow and the low six carry the
// value, then bytes of seven more bits each, their top bit saying more
// follow.
class SparseIntReader {
 public:
  SparseIntReader(const uint8_t* bytes, size_t size) : bytes_(bytes), size_(size) {}
  // The next int; nullopt past the end.
  std::optional<uint32_t> Next();

 private:
  std::optional<uint8_t> Byte();

  const uint8_t* bytes_;
  size_t size_;
  size_t pos_ = 0;
  int bit_ = 0;  // bits of bytes_[pos_] already read, from the top
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_COMPRESSED_STREAM_H_
