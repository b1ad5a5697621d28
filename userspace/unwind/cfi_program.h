// The call-frame programs of CIEs and FDEs (DWARF 5 section 6.4.2, and
// the LSB's .eh_frame), run for the three columns the BPF walker follows:
// the CFA, rbp and the return address (x86-64 DWARF register 16).
//
// allocprof runs them itself rather than through libdw's
// dwarf_cfi_addrframe(), because the programs are the target's: libdw
// keeps a rule for every register a program names, in an array sized by
// the largest register number, so one crafted number costs gigabytes (and
// DW_CFA_remember_state copies them); it also reruns an FDE's program from
// its start for each row asked for. Here a register the walker does not
// follow costs nothing, remembered states are few, and each program runs
// once, giving all of its rows in address order.
#ifndef ALLOCPROF_USERSPACE_UNWIND_CFI_PROGRAM_H_
#define ALLOCPROF_USERSPACE_UNWIND_CFI_PROGRAM_H_

#include <elfutils/libdw.h>

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "userspace/unwind/cfi_reader.h"

namespace allocprof {

// x86-64 DWARF register numbers.
inline constexpr uint64_t kDwarfRbp = 6;
inline constexpr uint64_t kDwarfRsp = 7;
inline constexpr uint64_t kDwarfReturnAddress = 16;  // rip's column

// A register's rule, as far as the walker can use it.
struct CfiRegisterRule {
  enum Kind : uint8_t {
    kUndefined,  // no value: for the return address, the outermost frame
    kSameValue,  // unchanged from the caller
    kAtCfa,      // saved at CFA + offset
    kOther,      // anything else (a register, an expression, a value)
  };
  Kind kind = kUndefined;
  int64_t offset = 0;
  bool operator==(const CfiRegisterRule& o) const {
    return kind == o.kind && offset == o.offset;
  }
  bool operator!=(const CfiRegisterRule& o) const { return !(*this == o); }
};

// The rules of one row of the table.
struct CfiRules {
  enum CfaKind : uint8_t { kCfaUnknown, kCfaRegister, kCfaExpression };
  CfaKind cfa = kCfaUnknown;
  uint64_t cfa_register = 0;
  int64_t cfa_offset = 0;
  absl::Span<const uint8_t> cfa_expression;  // in the section's bytes
  CfiRegisterRule rbp;
  CfiRegisterRule return_address;
};

// What a CIE gives the FDEs that use it.
struct CfiCie {
  uint64_t code_alignment = 1;
  int64_t data_alignment = 1;
  uint8_t fde_encoding = 0;  // DW_EH_PE_*: how FDEs' addresses are written
  // The augmentation begins with 'z': FDEs carry a sized augmentation
  // block before their instructions.
  bool sized_augmentation = false;
  // The rules after the CIE's initial instructions, which FDEs start from
  // and DW_CFA_restore returns to.
  CfiRules initial;
};

// The CIE described by libdw's parse of its header (dwarf_next_cfi()):
// its augmentation string and data, alignment factors and initial
// instructions, which are run from the x86-64 ABI's state (rbp and the
// return address keep their values, the CFA unknown). `addresses` locate
// the augmentation data, for its pointers. An error for an augmentation
// allocprof does not read or a program that fails.
absl::StatusOr<CfiCie> ReadCie(const Dwarf_CIE& cie, CfiAddresses addresses);

// Remembered states one program may stack (DW_CFA_remember_state): GCC
// writes one at a time.
inline constexpr int kMaxRememberedStates = 16;

// Runs the program of an FDE covering [start, end) under `cie`, calling
// `row(pc, rules)` for each row in address order (pc within [start, end);
// a row lasts until the next, the last until `end`). `program` reads the
// instructions; its addresses serve DW_CFA_set_loc. When the program is
// malformed, returns an error and sets `*failed_at` to the start of the
// row it failed in: the rows given before it stand.
absl::Status RunFdeProgram(const CfiCie& cie, uint64_t start, uint64_t end, CfiReader program,
                           absl::FunctionRef<void(uint64_t pc, const CfiRules&)> row,
                           uint64_t* failed_at);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_UNWIND_CFI_PROGRAM_H_
