#include "userspace/unwind/cfi_program.h"

#include <dwarf.h>

#include <limits>

#include "absl/strings/str_cat.h"

namespace allocprof {
namespace {

// Operands scaled by a CIE's factors wrap as libdw's do: the program is
// the file's to say, and an overflow must not be undefined behaviour.
int64_t Scaled(uint64_t operand, int64_t factor) {
  return static_cast<int64_t>(operand * static_cast<uint64_t>(factor));
}
int64_t Scaled(int64_t operand, int64_t factor) {
  return Scaled(static_cast<uint64_t>(operand), factor);
}

void SetRule(CfiRules* rules, uint64_t reg, CfiRegisterRule rule) {
  if (reg == kDwarfRbp) rules->rbp = rule;
  if (reg == kDwarfReturnAddress) rules->return_address = rule;
}

CfiRegisterRule AtCfa(int64_t offset) { return {CfiRegisterRule::kAtCfa, offset}; }
constexpr CfiRegisterRule kOtherRule{CfiRegisterRule::kOther, 0};

// The program's environment: its CIE's factors, and the CIE's rules for
// an FDE's program (null while the CIE's own program runs, where rows and
// DW_CFA_restore have no meaning).
struct Program {
  uint64_t code_alignment;
  int64_t data_alignment;
  uint8_t fde_encoding;
  const CfiRules* initial;
};

// Runs `in` from `*rules` at `start`; see RunFdeProgram.
absl::Status Run(const Program& program, CfiReader in, uint64_t start, uint64_t end,
                 CfiRules* rules,
                 absl::FunctionRef<void(uint64_t pc, const CfiRules&)> row,
                 uint64_t* failed_at) {
  uint64_t loc = start;
  *failed_at = start;
  CfiRules remembered[kMaxRememberedStates];
  int depth = 0;
  auto fail = [&](absl::string_view why) {
    *failed_at = loc;
    return absl::InvalidArgumentError(why);
  };
  // Moves to `to`, ending the row at `loc`. False when the FDE's range is
  // done.
  bool finished = false;
  auto advance = [&](uint64_t to) -> absl::Status {
    if (program.initial == nullptr) return fail("a CIE's program moves the location");
    if (to < loc) return fail("the program moves the location backwards");
    if (to == loc) return absl::OkStatus();
    row(loc, *rules);
    loc = to;
    finished = loc >= end;
    return absl::OkStatus();
  };
  auto restore = [&](uint64_t reg) -> absl::Status {
    if (program.initial == nullptr) return fail("a CIE's program restores a register");
    if (reg == kDwarfRbp) rules->rbp = program.initial->rbp;
    if (reg == kDwarfReturnAddress) rules->return_address = program.initial->return_address;
    return absl::OkStatus();
  };

  while (!in.at_end() && !finished) {
    const uint8_t op = in.U8();
    const uint8_t low = op & 0x3f;
    absl::Status status;
    switch (op & 0xc0) {
      case DW_CFA_advance_loc:
        status = advance(loc + low * program.code_alignment);
        break;
      case DW_CFA_offset:
        SetRule(rules, low, AtCfa(Scaled(in.Uleb128(), program.data_alignment)));
        break;
      case DW_CFA_restore:
        status = restore(low);
        break;
      default:
        switch (op) {
          case DW_CFA_nop:
            break;
          case DW_CFA_set_loc: {
            const uint64_t to = in.Pointer(program.fde_encoding);
            if (in.ok()) status = advance(to);
            break;
          }
          case DW_CFA_advance_loc1:
            status = advance(loc + in.U8() * program.code_alignment);
            break;
          case DW_CFA_advance_loc2:
            status = advance(loc + in.U16() * program.code_alignment);
            break;
          case DW_CFA_advance_loc4:
            status = advance(loc + in.U32() * program.code_alignment);
            break;
          case DW_CFA_MIPS_advance_loc8:
            status = advance(loc + in.U64() * program.code_alignment);
            break;
          case DW_CFA_offset_extended: {
            const uint64_t reg = in.Uleb128();
            SetRule(rules, reg, AtCfa(Scaled(in.Uleb128(), program.data_alignment)));
            break;
          }
          case DW_CFA_offset_extended_sf: {
            const uint64_t reg = in.Uleb128();
            SetRule(rules, reg, AtCfa(Scaled(in.Sleb128(), program.data_alignment)));
            break;
          }
          case DW_CFA_GNU_negative_offset_extended: {
            const uint64_t reg = in.Uleb128();
            SetRule(rules, reg, AtCfa(Scaled(0 - in.Uleb128(), program.data_alignment)));
            break;
          }
          case DW_CFA_restore_extended:
            status = restore(in.Uleb128());
            break;
          case DW_CFA_undefined:
            SetRule(rules, in.Uleb128(), {CfiRegisterRule::kUndefined, 0});
            break;
          case DW_CFA_same_value:
            SetRule(rules, in.Uleb128(), {CfiRegisterRule::kSameValue, 0});
            break;
          case DW_CFA_register: {
            const uint64_t reg = in.Uleb128();
            in.Uleb128();
            SetRule(rules, reg, kOtherRule);
            break;
          }
          case DW_CFA_val_offset:
          case DW_CFA_val_offset_sf: {
            const uint64_t reg = in.Uleb128();
            if (op == DW_CFA_val_offset) in.Uleb128(); else in.Sleb128();
            SetRule(rules, reg, kOtherRule);
            break;
          }
          case DW_CFA_expression:
          case DW_CFA_val_expression: {
            const uint64_t reg = in.Uleb128();
            in.Skip(in.Uleb128());
            SetRule(rules, reg, kOtherRule);
            break;
          }
          case DW_CFA_remember_state:
            if (depth == kMaxRememberedStates) {
              status = fail(absl::StrCat("the program remembers over ", kMaxRememberedStates,
                                         " states"));
            } else {
              remembered[depth++] = *rules;
            }
            break;
          case DW_CFA_restore_state:
            if (depth == 0) {
              status = fail("the program restores a state it did not remember");
            } else {
              *rules = remembered[--depth];
            }
            break;
          case DW_CFA_def_cfa:
          case DW_CFA_def_cfa_sf:
            rules->cfa = CfiRules::kCfaRegister;
            rules->cfa_register = in.Uleb128();
            rules->cfa_offset = op == DW_CFA_def_cfa
                                    ? static_cast<int64_t>(in.Uleb128())
                                    : Scaled(in.Sleb128(), program.data_alignment);
            break;
          case DW_CFA_def_cfa_register:
          case DW_CFA_def_cfa_offset:
          case DW_CFA_def_cfa_offset_sf: {
            // Each changes half of a register-and-offset rule.
            if (op == DW_CFA_def_cfa_register) {
              rules->cfa_register = in.Uleb128();
            } else {
              rules->cfa_offset = op == DW_CFA_def_cfa_offset
                                      ? static_cast<int64_t>(in.Uleb128())
                                      : Scaled(in.Sleb128(), program.data_alignment);
            }
            if (rules->cfa != CfiRules::kCfaRegister) rules->cfa = CfiRules::kCfaUnknown;
            break;
          }
          case DW_CFA_def_cfa_expression: {
            const uint64_t length = in.Uleb128();
            const uint8_t* block = in.position();
            in.Skip(length);
            if (in.ok()) {
              rules->cfa = CfiRules::kCfaExpression;
              rules->cfa_expression = absl::MakeConstSpan(block, length);
            }
            break;
          }
          case DW_CFA_GNU_args_size:
            in.Uleb128();
            break;
          default:
            status = fail(absl::StrCat("unknown instruction 0x", absl::Hex(op)));
            break;
        }
    }
    if (!status.ok()) return status;
    if (!in.ok()) return fail("the program ends inside an instruction");
  }
  if (!finished && program.initial != nullptr && loc < end) row(loc, *rules);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CfiCie> ReadCie(const Dwarf_CIE& entry, CfiAddresses addresses) {
  CfiCie cie;
  cie.code_alignment = entry.code_alignment_factor;
  cie.data_alignment = entry.data_alignment_factor;
  const char* augmentation = entry.augmentation;
  // GCC 2's "eh": dwarf_next_cfi() stepped over its pointer.
  if (augmentation[0] == 'e' && augmentation[1] == 'h') augmentation += 2;
  if (augmentation[0] == 'z') {
    cie.sized_augmentation = true;
    CfiReader data(entry.augmentation_data,
                   entry.augmentation_data + entry.augmentation_data_size, addresses);
    for (const char* a = augmentation + 1; *a != '\0'; ++a) {
      if (*a == 'L') {
        data.U8();  // the LSDA's encoding
      } else if (*a == 'P') {
        data.SkipPointer(data.U8());  // the personality routine
      } else if (*a == 'R') {
        cie.fde_encoding = data.U8();
      } else if (*a != 'S' && *a != 'B') {
        break;  // unknown: the sized block lets the rest be skipped
      }
    }
    if (!data.ok()) return absl::InvalidArgumentError("the CIE's augmentation data is short");
  } else if (augmentation[0] != '\0') {
    return absl::UnimplementedError("the CIE has an augmentation allocprof does not read");
  }
  // The x86-64 ABI's state before any instruction: the callee-saved rbp
  // and the return address keep their values; the CFA is the CIE's to say.
  cie.initial.rbp = {CfiRegisterRule::kSameValue, 0};
  cie.initial.return_address = {CfiRegisterRule::kSameValue, 0};
  const Program program{cie.code_alignment, cie.data_alignment, cie.fde_encoding, nullptr};
  uint64_t failed_at = 0;
  absl::Status ran = Run(
      program, CfiReader(entry.initial_instructions, entry.initial_instructions_end, addresses),
      0, std::numeric_limits<uint64_t>::max(), &cie.initial,
      [](uint64_t, const CfiRules&) {}, &failed_at);
  if (!ran.ok()) return ran;
  return cie;
}

absl::Status RunFdeProgram(const CfiCie& cie, uint64_t start, uint64_t end, CfiReader program,
                           absl::FunctionRef<void(uint64_t pc, const CfiRules&)> row,
                           uint64_t* failed_at) {
  CfiRules rules = cie.initial;
  const Program env{cie.code_alignment, cie.data_alignment, cie.fde_encoding, &cie.initial};
  return Run(env, program, start, end, &rules, row, failed_at);
}

}  // namespace allocprof
