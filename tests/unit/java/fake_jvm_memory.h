// What the Java unit tests build a JVM's structures with, in this process's
// own memory (the code under test reads them back through SelfMemory(),
// /proc/self/mem): a fixed block handed out in pieces, and HotSpot's
// CompressedWriteStream, the writer of the encoding compressed_stream.h
// reads.
#ifndef ALLOCPROF_TESTS_UNIT_JAVA_FAKE_JVM_MEMORY_H_
#define ALLOCPROF_TESTS_UNIT_JAVA_FAKE_JVM_MEMORY_H_

#include <cstdint>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "userspace/common/target_memory.h"

namespace allocprof {

// This process's memory, read as the code under test reads a JVM's.
inline const TargetMemory& SelfMemory() {
  static const TargetMemory memory = *TargetMemory::OpenSelf();
  return memory;
}

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

// UNSIGNED5::write_uint (HotSpot's releases after JDK 19): as above, but
// every byte one more, so that none is 0; L = 191.
inline void WriteUnsigned5Int(uint32_t value, std::vector<uint8_t>* out) {
  constexpr int kLgH = 6, kMaxI = 4;
  constexpr uint32_t kH = 1u << kLgH, kX = 1, kL = 256 - kX - kH;
  uint32_t sum = value;
  for (int i = 0;; ++i) {
    if (sum < kL || i == kMaxI) {
      out->push_back(static_cast<uint8_t>(kX + sum));
      return;
    }
    sum -= kL;
    out->push_back(static_cast<uint8_t>(kX + kL + sum % kH));
    sum >>= kLgH;
  }
}

inline void WriteUnsigned5SignedInt(int32_t value, std::vector<uint8_t>* out) {
  const uint32_t v = static_cast<uint32_t>(value);
  WriteUnsigned5Int((v << 1) ^ (value < 0 ? 0xffffffffu : 0u), out);
}

// CompressedSparseDataWriteStream: bit-aligned; a 0 bit for a zero, else
// a byte 1, more, six bits of the value, then bytes of more and seven bits.
class SparseWriter {
 public:
  void Write(uint32_t value) {
    if (value == 0) {
      Bits(0, 1);
      return;
    }
    bool more = value > 0x3f;
    Bits(0x80 | (more ? 0x40 : 0) | (value & 0x3f), 8);
    value >>= 6;
    while (more) {
      more = value > 0x7f;
      Bits((more ? 0x80 : 0) | (value & 0x7f), 8);
      value >>= 7;
    }
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  // The low `n` bits of `value`, most significant first.
  void Bits(uint32_t value, int n) {
    for (int i = n - 1; i >= 0; --i) {
      if (bit_ == 0) bytes_.push_back(0);
      if ((value >> i) & 1) bytes_.back() |= static_cast<uint8_t>(0x80 >> bit_);
      bit_ = (bit_ + 1) % 8;
    }
  }

  std::vector<uint8_t> bytes_;
  int bit_ = 0;  // bits of the last byte in use
};

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_JAVA_FAKE_JVM_MEMORY_H_
