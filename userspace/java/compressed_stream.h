// HotSpot's CompressedReadStream (JDK 8 to 20), in which the JVM keeps
// compiled methods' debug information and methods' line number tables:
// bytes below 192 end a number, each byte carrying six bits more than the
// one before, at most five bytes.
#ifndef ALLOCPROF_USERSPACE_JAVA_COMPRESSED_STREAM_H_
#define ALLOCPROF_USERSPACE_JAVA_COMPRESSED_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <optional>

namespace allocprof {

// The int at bytes[*pos], advancing *pos; nullopt past `size`.
std::optional<uint32_t> ReadCompressedInt(const uint8_t* bytes, size_t size, size_t* pos);
// A signed one: zigzag-coded (0, -1, 1, -2 ... as 0, 1, 2, 3 ...).
std::optional<int32_t> ReadCompressedSignedInt(const uint8_t* bytes, size_t size, size_t* pos);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_COMPRESSED_STREAM_H_
