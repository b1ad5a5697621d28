#include "userspace/unwind/cfi_reader.h"

#include <dwarf.h>

namespace allocprof {

bool CfiReader::Take(size_t n) {
  if (!ok_ || static_cast<size_t>(end_ - p_) < n) {
    ok_ = false;
    return false;
  }
  return true;
}

uint64_t CfiReader::Little(size_t n) {
  if (!Take(n)) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{p_[i]} << (8 * i);
  p_ += n;
  return v;
}

uint8_t CfiReader::U8() { return static_cast<uint8_t>(Little(1)); }
uint16_t CfiReader::U16() { return static_cast<uint16_t>(Little(2)); }
uint32_t CfiReader::U32() { return static_cast<uint32_t>(Little(4)); }
uint64_t CfiReader::U64() { return Little(8); }

void CfiReader::Skip(uint64_t n) {
  if (!ok_ || static_cast<uint64_t>(end_ - p_) < n) {
    ok_ = false;
    return;
  }
  p_ += n;
}

// Bits past the 64th are dropped, as libdw and binutils drop them; a
// number that runs off the end fails.
uint64_t CfiReader::Uleb128() {
  uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (!Take(1)) return 0;
    const uint8_t byte = *p_++;
    if (shift < 64) v |= uint64_t{byte & 0x7fu} << shift;
    if (!(byte & 0x80)) return v;
  }
}

int64_t CfiReader::Sleb128() {
  uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (!Take(1)) return 0;
    const uint8_t byte = *p_++;
    if (shift < 64) v |= uint64_t{byte & 0x7fu} << shift;
    if (!(byte & 0x80)) {
      if (shift + 7 < 64 && (byte & 0x40)) v |= ~uint64_t{0} << (shift + 7);
      return static_cast<int64_t>(v);
    }
  }
}

uint64_t CfiReader::Value(uint8_t encoding) {
  switch (encoding & 0x0f) {
    case DW_EH_PE_absptr: return U64();
    case DW_EH_PE_uleb128: return Uleb128();
    case DW_EH_PE_udata2: return U16();
    case DW_EH_PE_udata4: return U32();
    case DW_EH_PE_udata8: return U64();
    case DW_EH_PE_sleb128: return static_cast<uint64_t>(Sleb128());
    case DW_EH_PE_sdata2: return static_cast<uint64_t>(int64_t{static_cast<int16_t>(U16())});
    case DW_EH_PE_sdata4: return static_cast<uint64_t>(int64_t{static_cast<int32_t>(U32())});
    case DW_EH_PE_sdata8: return U64();
    default: ok_ = false; return 0;
  }
}

void CfiReader::SkipPointer(uint8_t encoding) { Value(encoding); }

uint64_t CfiReader::Pointer(uint8_t encoding) {
  // The address of the value itself, for pcrel.
  const uint64_t here = addresses_.first_byte + static_cast<uint64_t>(p_ - begin_);
  const uint64_t v = Value(encoding);
  if (!ok_) return 0;
  switch (encoding & 0xf0) {
    case DW_EH_PE_absptr: return v;
    case DW_EH_PE_pcrel: return v + here;
    case DW_EH_PE_datarel: return v + addresses_.data_base;
    default: ok_ = false; return 0;
  }
}

}  // namespace allocprof
