// A cursor over call-frame information bytes (.eh_frame, .eh_frame_hdr,
// .debug_frame): the integers, LEB128 numbers and pointer encodings CFI is
// written in. The bytes are the target's, so every read is checked against
// the end: a read that would pass it fails and leaves the cursor failed,
// and later reads fail too (a caller checks once, after a group of reads).
#ifndef ALLOCPROF_USERSPACE_UNWIND_CFI_READER_H_
#define ALLOCPROF_USERSPACE_UNWIND_CFI_READER_H_

#include <cstddef>
#include <cstdint>

namespace allocprof {

// Where pointers of the relative encodings count from (DW_EH_PE_pcrel,
// DW_EH_PE_datarel): the virtual address the reader's first byte is loaded
// at, and the data base (.eh_frame_hdr's own address in that section).
struct CfiAddresses {
  uint64_t first_byte = 0;
  uint64_t data_base = 0;
};

class CfiReader {
 public:
  CfiReader(const uint8_t* begin, const uint8_t* end, CfiAddresses addresses = {})
      : begin_(begin), p_(begin), end_(end), addresses_(addresses) {}

  bool ok() const { return ok_; }
  bool at_end() const { return p_ >= end_; }
  size_t left() const { return ok_ ? static_cast<size_t>(end_ - p_) : 0; }
  const uint8_t* position() const { return p_; }

  uint8_t U8();
  uint16_t U16();
  uint32_t U32();
  uint64_t U64();
  uint64_t Uleb128();
  int64_t Sleb128();
  // Skips `n` bytes; fails when fewer are left.
  void Skip(uint64_t n);

  // A pointer in DW_EH_PE encoding `encoding` (absptr, udata2/4/8,
  // sdata2/4/8, uleb128, sleb128; plain, pcrel or datarel). Fails for the
  // others (textrel, funcrel, aligned, indirect, omit), which no x86-64
  // linker writes where allocprof reads pointers.
  uint64_t Pointer(uint8_t encoding);
  // Skips a pointer in `encoding` without reading it: any application
  // (an indirect personality routine's included) of the formats above.
  void SkipPointer(uint8_t encoding);

 private:
  bool Take(size_t n);
  // The value of format encoding & 0x0f; fails for another.
  uint64_t Value(uint8_t encoding);
  uint64_t Little(size_t n);

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  CfiAddresses addresses_;
  bool ok_ = true;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_UNWIND_CFI_READER_H_
