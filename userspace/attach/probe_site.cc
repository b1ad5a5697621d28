#include "userspace/attach/probe_site.h"

#include <capstone/capstone.h>

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace allocprof {
namespace {

// How far into the prologue a probe may move: jemalloc's free computes its
// thread cache's address in ten instructions before its first branch.
constexpr int kMaxPassed = 12;

// A set of general registers, one bit each: AP_REG_* for those the cookie
// can name, and the stack and frame pointers after them.
using RegisterSet = uint32_t;
constexpr int kRsp = AP_REG_SLOTS;
constexpr int kRbp = AP_REG_SLOTS + 1;
constexpr RegisterSet Bit(int reg) { return RegisterSet{1} << reg; }

// The opcodes arch/x86/kernel/uprobes.c emulates rather than single-steps
// (branch_setup_xol_ops, push_setup_xol_ops): push of a general register
// (with REX.B for r8-r15), jmp rel8/rel32, jcc rel8/rel32, call rel32, and
// the one-byte nop. Any other prefix makes the kernel single-step, so the
// bytes are matched exactly.
bool KernelEmulates(const cs_insn& insn) {
  const uint8_t* b = insn.bytes;
  switch (insn.size) {
    case 1:
      return (b[0] >= 0x50 && b[0] <= 0x57) || b[0] == 0x90;
    case 2:
      return (b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57) || b[0] == 0xeb ||
             (b[0] >= 0x70 && b[0] <= 0x7f);
    case 5:
      return b[0] == 0xe9 || b[0] == 0xe8;
    case 6:
      return b[0] == 0x0f && b[1] >= 0x80 && b[1] <= 0x8f;
  }
  return false;
}

// The general register `reg` is part of, at any width, as a RegisterSet
// bit; -1 for the others (flags, rip, segment and vector registers).
int GeneralRegister(unsigned reg) {
  switch (reg) {
    case X86_REG_RDI: case X86_REG_EDI: case X86_REG_DI: case X86_REG_DIL:
      return AP_REG_RDI;
    case X86_REG_RSI: case X86_REG_ESI: case X86_REG_SI: case X86_REG_SIL:
      return AP_REG_RSI;
    case X86_REG_RDX: case X86_REG_EDX: case X86_REG_DX: case X86_REG_DL: case X86_REG_DH:
      return AP_REG_RDX;
    case X86_REG_RCX: case X86_REG_ECX: case X86_REG_CX: case X86_REG_CL: case X86_REG_CH:
      return AP_REG_RCX;
    case X86_REG_R8: case X86_REG_R8D: case X86_REG_R8W: case X86_REG_R8B:
      return AP_REG_R8;
    case X86_REG_R9: case X86_REG_R9D: case X86_REG_R9W: case X86_REG_R9B:
      return AP_REG_R9;
    case X86_REG_RAX: case X86_REG_EAX: case X86_REG_AX: case X86_REG_AL: case X86_REG_AH:
      return AP_REG_RAX;
    case X86_REG_RBX: case X86_REG_EBX: case X86_REG_BX: case X86_REG_BL: case X86_REG_BH:
      return AP_REG_RBX;
    case X86_REG_R10: case X86_REG_R10D: case X86_REG_R10W: case X86_REG_R10B:
      return AP_REG_R10;
    case X86_REG_R11: case X86_REG_R11D: case X86_REG_R11W: case X86_REG_R11B:
      return AP_REG_R11;
    case X86_REG_R12: case X86_REG_R12D: case X86_REG_R12W: case X86_REG_R12B:
      return AP_REG_R12;
    case X86_REG_R13: case X86_REG_R13D: case X86_REG_R13W: case X86_REG_R13B:
      return AP_REG_R13;
    case X86_REG_R14: case X86_REG_R14D: case X86_REG_R14W: case X86_REG_R14B:
      return AP_REG_R14;
    case X86_REG_R15: case X86_REG_R15D: case X86_REG_R15W: case X86_REG_R15B:
      return AP_REG_R15;
    case X86_REG_RSP: case X86_REG_ESP: case X86_REG_SP: case X86_REG_SPL:
      return kRsp;
    case X86_REG_RBP: case X86_REG_EBP: case X86_REG_BP: case X86_REG_BPL:
      return kRbp;
    default:
      return -1;
  }
}

// By RegisterSet bit.
constexpr const char* kRegisterNames[] = {
    "?", "rdi", "rsi", "rdx", "rcx", "r8",  "r9",  "rax", "rbx",
    "r10", "r11", "r12", "r13", "r14", "r15", "?", "rsp", "rbp"};

std::string Text(const cs_insn& insn) {
  return insn.op_str[0] ? absl::StrCat(insn.mnemonic, " ", insn.op_str) : insn.mnemonic;
}

// Whether `insn` may continue anywhere but at the next instruction: a
// branch, call, return, interrupt or system call; `loop` and `jrcxz`,
// which capstone 4.0 puts in no jump group but "branch_relative"; a trap
// (ud2, and hlt among the privileged ones).
bool LeavesStraightLine(csh handle, const cs_insn& insn) {
  switch (insn.id) {
    case X86_INS_UD0: case X86_INS_UD2: case X86_INS_UD2B:
      return true;
  }
  static constexpr uint8_t kGroups[] = {CS_GRP_JUMP, CS_GRP_CALL, CS_GRP_RET,
                                        CS_GRP_INT,  CS_GRP_IRET, CS_GRP_BRANCH_RELATIVE,
                                        X86_GRP_PRIVILEGE};
  for (uint8_t group : kGroups) {
    if (cs_insn_group(handle, &insn, group)) return true;
  }
  return false;
}

// The general registers `insn` writes, from capstone's account of its
// explicit and implicit operands (`xor eax, eax`, `cpuid`, `mul`, `rep
// movsb`); nullopt when capstone cannot tell. Capstone 4.0 leaves out a
// few implicit writes, added here: cmpxchg's accumulator (loaded from
// memory when the two differ), xlat's al, enter's rsp and rbp. (It leaves
// out syscall's rcx, r11 and rax too, but syscall leaves the straight line.)
std::optional<RegisterSet> Writes(csh handle, const cs_insn& insn) {
  cs_regs read, write;
  uint8_t n_read = 0, n_write = 0;
  if (cs_regs_access(handle, &insn, read, &n_read, write, &n_write) != CS_ERR_OK) {
    return std::nullopt;
  }
  RegisterSet set = 0;
  for (uint8_t i = 0; i < n_write; ++i) {
    const int reg = GeneralRegister(write[i]);
    if (reg >= 0) set |= Bit(reg);
  }
  switch (insn.id) {
    case X86_INS_CMPXCHG: case X86_INS_XLATB:
      set |= Bit(AP_REG_RAX);
      break;
    case X86_INS_ENTER:
      set |= Bit(kRsp) | Bit(kRbp);
      break;
  }
  return set;
}

// Whether `insn` stores to the stack at sp or above it, where the return
// address and the caller's frames are; below sp is the red zone, the
// function's own.
bool StoresAboveSp(const cs_insn& insn) {
  const cs_x86& x86 = insn.detail->x86;
  for (uint8_t i = 0; i < x86.op_count; ++i) {
    const cs_x86_op& op = x86.operands[i];
    if (op.type == X86_OP_MEM && (op.access & CS_AC_WRITE) &&
        GeneralRegister(op.mem.base) == kRsp &&
        (op.mem.disp >= 0 || op.mem.index != X86_REG_INVALID)) {
      return true;
    }
  }
  return false;
}

// The source and destination of `insn` when it copies one general register
// into another whole (`mov rsi, rdi`). A narrower move keeps only part of
// the value, so its destination holds no argument.
std::optional<std::pair<int, int>> RegisterCopy(const cs_insn& insn) {
  if (insn.id != X86_INS_MOV) return std::nullopt;
  const cs_x86& x86 = insn.detail->x86;
  if (x86.op_count != 2) return std::nullopt;
  const cs_x86_op& to = x86.operands[0];
  const cs_x86_op& from = x86.operands[1];
  if (to.type != X86_OP_REG || from.type != X86_OP_REG || to.size != 8 || from.size != 8) {
    return std::nullopt;
  }
  const int src = GeneralRegister(from.reg);
  const int dst = GeneralRegister(to.reg);
  if (src < 0 || dst < 0) return std::nullopt;
  return std::make_pair(src, dst);
}

int LowestBit(RegisterSet set) { return __builtin_ctz(set); }

// Closes capstone's handle and frees what it decoded. Bytes capstone
// cannot decode are kept as data (id 0) and decoding goes on after them,
// so that branches in the rest of the function are still seen.
class Disassembly {
 public:
  Disassembly(absl::Span<const uint8_t> code, uint64_t address) {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle_) != CS_ERR_OK) return;
    cs_option(handle_, CS_OPT_DETAIL, CS_OPT_ON);
    cs_option(handle_, CS_OPT_SKIPDATA, CS_OPT_ON);
    count_ = cs_disasm(handle_, code.data(), code.size(), address, 0, &insns_);
  }
  ~Disassembly() {
    if (insns_) cs_free(insns_, count_);
    if (handle_) cs_close(&handle_);
  }
  csh handle() const { return handle_; }
  absl::Span<const cs_insn> insns() const { return {insns_, count_}; }

 private:
  csh handle_ = 0;
  cs_insn* insns_ = nullptr;
  size_t count_ = 0;
};

bool IsData(const cs_insn& insn) { return insn.id == 0; }

// "+0x7", an offset into the function.
std::string At(const cs_insn& insn, uint64_t address) {
  return absl::StrCat("+0x", absl::Hex(insn.address - address));
}

// The registers holding each read argument's entry value, instruction
// after instruction.
class ArgumentHolders {
 public:
  explicit ArgumentHolders(uint32_t args_read) {
    for (int arg = 1; arg <= AP_MAX_ARG; ++arg) {
      if (args_read & (1u << arg)) held_[arg] = Bit(arg);  // ARGn is AP_REG n
    }
  }

  // After `insn`, which writes `writes`: empty when it left an argument in
  // no register, else the reason.
  std::string Pass(const cs_insn& insn, RegisterSet writes, uint64_t address) {
    const auto copy = RegisterCopy(insn);
    for (int arg = 1; arg <= AP_MAX_ARG; ++arg) {
      if (held_[arg] == 0) continue;
      RegisterSet next = held_[arg] & ~writes;
      if (copy && (held_[arg] & Bit(copy->first))) next |= Bit(copy->second);
      if (next == 0) {
        return held_[arg] == Bit(arg)
                   ? absl::StrCat(kRegisterNames[arg], " overwritten by `", Text(insn),
                                  "` at ", At(insn, address), " with no copy")
                   : absl::StrCat(kRegisterNames[arg], " and its copies overwritten, the last by `",
                                  Text(insn), "` at ", At(insn, address));
      }
      held_[arg] = next;
    }
    return "";
  }

  // Each argument's own register while it still holds it, else its copy
  // the cookie names first.
  void Choose(ProbeSite& site) const {
    for (int arg = 1; arg <= AP_MAX_ARG; ++arg) {
      if (held_[arg] == 0 || (held_[arg] & Bit(arg))) continue;
      site.arg_reg[arg] = static_cast<uint8_t>(LowestBit(held_[arg]));
    }
  }

 private:
  RegisterSet held_[AP_MAX_ARG + 1] = {};
};

}  // namespace

ProbeSite ChooseProbeSite(absl::Span<const uint8_t> code, uint64_t address,
                          uint32_t args_read) {
  ProbeSite site;
  Disassembly disassembly(code, address);
  absl::Span<const cs_insn> insns = disassembly.insns();
  const csh handle = disassembly.handle();
  if (insns.empty() || IsData(insns[0])) {
    site.why = "code could not be decoded";
    return site;
  }
  site.probed = Text(insns[0]);
  if (KernelEmulates(insns[0])) {
    site.emulated = true;
    return site;
  }

  ArgumentHolders holders(args_read);
  std::vector<std::string> passed;
  size_t chosen = 0;
  for (size_t i = 0; i < insns.size() && i <= kMaxPassed; ++i) {
    const cs_insn& insn = insns[i];
    if (IsData(insn)) {
      site.why = absl::StrCat("bytes at ", At(insn, address), " could not be decoded");
      return site;
    }
    if (KernelEmulates(insn)) {
      chosen = i;
      break;
    }
    if (LeavesStraightLine(handle, insn)) {
      site.why = absl::StrCat("branch at ", At(insn, address), " (`", Text(insn), "`)");
      return site;
    }
    const std::optional<RegisterSet> writes = Writes(handle, insn);
    if (!writes) {
      site.why = absl::StrCat("what `", Text(insn), "` at ", At(insn, address),
                              " writes is not known");
      return site;
    }
    if (*writes & (Bit(kRsp) | Bit(kRbp))) {
      site.why = absl::StrCat((*writes & Bit(kRsp)) ? "rsp" : "rbp", " written by `",
                              Text(insn), "` at ", At(insn, address));
      return site;
    }
    if (StoresAboveSp(insn)) {
      site.why = absl::StrCat("`", Text(insn), "` at ", At(insn, address),
                              " stores at or above sp");
      return site;
    }
    site.why = holders.Pass(insn, *writes, address);
    if (!site.why.empty()) return site;
    passed.push_back(Text(insn));
  }
  if (chosen == 0) {
    site.why = absl::StrCat("no emulated instruction in the first ", kMaxPassed + 1);
    return site;
  }

  // A jump from elsewhere in the function into the passed instructions (or
  // onto the site) would enter without passing the function's entry: a
  // probe there would count that path too. Only direct branches can be
  // checked; the prologue of an allocator is not an indirect jump target.
  const uint64_t site_address = insns[chosen].address;
  for (const cs_insn& insn : insns) {
    if (IsData(insn) || (!cs_insn_group(handle, &insn, CS_GRP_JUMP) &&
                         !cs_insn_group(handle, &insn, CS_GRP_CALL) &&
                         !cs_insn_group(handle, &insn, CS_GRP_BRANCH_RELATIVE))) {
      continue;
    }
    const cs_x86& x86 = insn.detail->x86;
    for (uint8_t op = 0; op < x86.op_count; ++op) {
      if (x86.operands[op].type != X86_OP_IMM) continue;
      const auto target = static_cast<uint64_t>(x86.operands[op].imm);
      if (target > address && target <= site_address) {
        site.why = absl::StrCat("branch target at +0x", absl::Hex(target - address),
                                " (from ", At(insn, address), ")");
        return site;
      }
    }
  }
  site.offset = site_address - address;
  site.probed = Text(insns[chosen]);
  site.emulated = true;
  site.passed = absl::StrJoin(passed, "; ");
  holders.Choose(site);
  return site;
}

uint8_t ArgumentRegister(const ProbeSite& site, uint8_t arg) {
  return arg >= 1 && arg <= AP_MAX_ARG ? site.arg_reg[arg] : 0;
}

const char* RegisterName(uint8_t ap_reg) {
  return ap_reg < AP_REG_SLOTS ? kRegisterNames[ap_reg] : "?";
}

std::string DescribeSite(const ProbeSite& site) {
  if (site.offset != 0) {
    std::string line = absl::StrFormat("+0x%x: `%s`, emulated, after `%s`", site.offset,
                                       site.probed, site.passed);
    for (int arg = 1; arg <= AP_MAX_ARG; ++arg) {
      if (site.arg_reg[arg] == arg) continue;
      absl::StrAppend(&line, "; ARG", arg, " (", RegisterName(arg), ") read from ",
                      RegisterName(site.arg_reg[arg]));
    }
    return line;
  }
  if (site.emulated) return absl::StrCat("`", site.probed, "`, emulated");
  if (site.probed.empty()) return absl::StrCat("single-stepped: ", site.why);
  return absl::StrCat("`", site.probed, "`, single-stepped: ", site.why);
}

}  // namespace allocprof
