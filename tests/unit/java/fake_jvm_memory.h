// What the Java unit tests build a JVM's structures with, in this process's
// own memory (the code under test reads them back through
// process_vm_readv(getpid())): a fixed block handed out in pieces, and
// HotSpot's CompressedWriteStream, the writer of the encoding
// compressed_stream.h reads.
#ifndef ALLOCPROF_TESTS_UNIT_JAVA_FAKE_JVM_MEMORY_H_
#define ALLOCPROF_TESTS_UNIT_JAVA_FAKE_JVM_MEMORY_H_

#include <cstdint>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"

namespace allocprof {

// Never reallocated, so addresses stay put.
class FakeMemory {
 public:
  explicit FakeMemory(size_t size) : bytes_(size) {}

  // The address of `size` fresh zeroed bytes, aligned to `align`.
  uint64_t Alloc(size_t size, size_t align = 16) {
    const uint64_t base = reinterpret_cast<uint64_t>(bytes_.data());
    const uint64_t addr = (base + used_ + align - 1) & ~uint64_t{align - 1};
    used_ = addr - base + size;
    EXPECT_LE(used_, bytes_.size()) << "FakeMemory is too small";
    return addr;
  }
  template <typename T>
  static void Put(uint64_t addr, T value) {
    std::memcpy(reinterpret_cast<void*>(addr), &value, sizeof(value));
  }
  template <typename T>
  static T Get(uint64_t addr) {
    T value;
    std::memcpy(&value, reinterpret_cast<const void*>(addr), sizeof(value));
    return value;
  }
  static void PutBytes(uint64_t addr, const std::vector<uint8_t>& bytes) {
    std::memcpy(reinterpret_cast<void*>(addr), bytes.data(), bytes.size());
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t used_ = 0;
};

// CompressedWriteStream::write_int (JDK 17), with its constants: lg_H = 6,
// H = 64, L = 256 - H = 192, MAX_i = 4.
inline void WriteCompressedInt(uint32_t value, std::vector<uint8_t>* out) {
  constexpr int kLgH = 6, kMaxI = 4;
  constexpr uint32_t kH = 1u << kLgH, kL = 256 - kH;
  uint32_t sum = value;
  for (int i = 0;;) {
    if (sum < kL || i == kMaxI) {
      out->push_back(static_cast<uint8_t>(sum));
      break;
    }
    sum -= kL;
    out->push_back(static_cast<uint8_t>(kL + sum % kH));
    sum >>= kLgH;
    ++i;
  }
}

// CompressedWriteStream::write_signed_int: encode_sign(v) = (v << 1) ^ (v >> 31).
inline void WriteCompressedSignedInt(int32_t value, std::vector<uint8_t>* out) {
  const uint32_t v = static_cast<uint32_t>(value);
  WriteCompressedInt((v << 1) ^ (value < 0 ? 0xffffffffu : 0u), out);
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_JAVA_FAKE_JVM_MEMORY_H_
