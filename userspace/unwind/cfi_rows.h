// Compact unwind rows from an ELF object's call-frame information
// (.eh_frame, and .debug_frame where present): for each address range, how
// to find the caller's sp (the CFA), its rbp and the return address. BPF
// walks user stacks with these rows (bpf/unwind.bpf.h).
#ifndef ALLOCPROF_USERSPACE_UNWIND_CFI_ROWS_H_
#define ALLOCPROF_USERSPACE_UNWIND_CFI_ROWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "bpf/events.h"

namespace allocprof {

struct CfiRows {
  // Sorted by pc, no two neighbours alike (a row lasts until the next one);
  // a gap between functions is an AP_CFA_NONE row.
  std::vector<ap_unwind_row> rows;
  // The object's GNU build ID in hex; empty when it has none.
  std::string build_id;
  // Rows whose rules the BPF walker cannot follow (a CFA expression other
  // than a PLT stub's, an offset out of range): stored as AP_CFA_NONE, so
  // frame pointers are tried there.
  uint64_t unsupported = 0;
  bool had_debug_frame = false;
  // Why part of the object got no rows although it has CFI (a scan of code
  // without .eh_frame_hdr that passed its limits); "" when none.
  std::string skipped;
  // Rows looked up so far (each a libdw call), against kMaxCfiSteps.
  uint64_t steps = 0;
};

// Rows one object's CFI programs may give: a crafted FDE can give rows one
// byte long over gigabytes of addresses. Debian's libstdc++ gives 34k; the
// BPF row array holds 512k rows for all objects together.
inline constexpr uint64_t kMaxCfiSteps = uint64_t{1} << 20;

// Reads the CFI of the ELF file at `path` (cfi_program.h runs it). An
// object without any CFI gives no rows (frame pointers serve it); an
// unreadable file or a malformed .eh_frame_hdr is an error.
absl::StatusOr<CfiRows> BuildCfiRows(const std::string& path);

// What an .eh_frame_hdr section (PT_GNU_EH_FRAME) says.
struct EhFrameHdr {
  uint64_t eh_frame = 0;             // .eh_frame's address
  std::vector<uint64_t> fde_starts;  // its search table's FDE starts, in order
};

// Reads the .eh_frame_hdr section `hdr` loaded at `hdr_vaddr`. The
// header's FDE count is checked against the section's size before anything
// is allocated for it: an error when the table cannot hold that many, or
// uses an encoding we do not read.
absl::StatusOr<EhFrameHdr> ParseEhFrameHdr(absl::Span<const uint8_t> hdr, uint64_t hdr_vaddr);

// The row that applies at ELF virtual address `vaddr`: the last with
// pc <= vaddr; null before the first. The BPF walker searches the same way.
const ap_unwind_row* FindRow(absl::Span<const ap_unwind_row> rows, uint64_t vaddr);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_UNWIND_CFI_ROWS_H_
