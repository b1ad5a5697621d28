#include "userspace/attach/probe_site.h"

#include <capstone/capstone.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace allocprof {
namespace {

// How far into the prologue a probe may move: jemalloc's free computes its
// thread cache's address in ten instructions before its first branch.
constexpr int kMaxPassed = 12;

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

// The argument (1-6, as the SysV ABI passes them) a register belongs to,
// any width of it; 0 for the others.
int ArgumentOf(x86_reg reg) {
  switch (reg) {
    case X86_REG_RDI: case X86_REG_EDI: case X86_REG_DI: case X86_REG_DIL:
      return 1;
    case X86_REG_RSI: case X86_REG_ESI: case X86_REG_SI: case X86_REG_SIL:
      return 2;
    case X86_REG_RDX: case X86_REG_EDX: case X86_REG_DX: case X86_REG_DL: case X86_REG_DH:
      return 3;
    case X86_REG_RCX: case X86_REG_ECX: case X86_REG_CX: case X86_REG_CL: case X86_REG_CH:
      return 4;
    case X86_REG_R8: case X86_REG_R8D: case X86_REG_R8W: case X86_REG_R8B:
      return 5;
    case X86_REG_R9: case X86_REG_R9D: case X86_REG_R9W: case X86_REG_R9B:
      return 6;
    default:
      return 0;
  }
}

// The registers whose values at entry the probes use: the arguments they
// read, the stack pointer (arguments on the stack, the return address) and
// the frame pointer (where a frame-pointer walk starts).
bool IsGuarded(x86_reg reg, uint32_t args_read) {
  switch (reg) {
    case X86_REG_RSP: case X86_REG_ESP: case X86_REG_SP: case X86_REG_SPL:
    case X86_REG_RBP: case X86_REG_EBP: case X86_REG_BP: case X86_REG_BPL:
      return true;
    default: {
      const int arg = ArgumentOf(reg);
      return arg != 0 && (args_read & (1u << arg)) != 0;
    }
  }
}

bool IsBranch(csh handle, const cs_insn& insn) {
  return cs_insn_group(handle, &insn, CS_GRP_JUMP) ||
         cs_insn_group(handle, &insn, CS_GRP_CALL) ||
         cs_insn_group(handle, &insn, CS_GRP_RET) ||
         cs_insn_group(handle, &insn, CS_GRP_INT) ||
         cs_insn_group(handle, &insn, CS_GRP_IRET);
}

bool WritesGuarded(csh handle, const cs_insn& insn, uint32_t args_read) {
  cs_regs read, write;
  uint8_t n_read = 0, n_write = 0;
  // An instruction whose effects capstone cannot tell is assumed to write.
  if (cs_regs_access(handle, &insn, read, &n_read, write, &n_write) != CS_ERR_OK) {
    return true;
  }
  for (uint8_t i = 0; i < n_write; ++i) {
    if (IsGuarded(static_cast<x86_reg>(write[i]), args_read)) return true;
  }
  return false;
}

std::string Text(const cs_insn& insn) {
  return insn.op_str[0] ? absl::StrCat(insn.mnemonic, " ", insn.op_str) : insn.mnemonic;
}

// Closes capstone's handle and frees what it decoded.
class Disassembly {
 public:
  Disassembly(absl::Span<const uint8_t> code, uint64_t address) {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle_) != CS_ERR_OK) return;
    cs_option(handle_, CS_OPT_DETAIL, CS_OPT_ON);
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

}  // namespace

ProbeSite ChooseProbeSite(absl::Span<const uint8_t> code, uint64_t address,
                          uint32_t args_read) {
  ProbeSite site;
  Disassembly disassembly(code, address);
  absl::Span<const cs_insn> insns = disassembly.insns();
  const csh handle = disassembly.handle();
  if (insns.empty()) {
    site.why = "code could not be decoded";
    return site;
  }
  if (KernelEmulates(insns[0])) {
    site.probed = Text(insns[0]);
    site.emulated = true;
    return site;
  }

  std::vector<std::string> passed;
  size_t chosen = 0;
  for (size_t i = 0; i < insns.size() && i <= kMaxPassed; ++i) {
    const cs_insn& insn = insns[i];
    if (KernelEmulates(insn)) {
      chosen = i;
      break;
    }
    if (IsBranch(handle, insn) || WritesGuarded(handle, insn, args_read)) {
      site.why = absl::StrCat("`", Text(insn), "` comes before any emulated instruction");
      site.probed = Text(insns[0]);
      return site;
    }
    passed.push_back(Text(insn));
  }
  if (chosen == 0) {
    site.why = "no emulated instruction in the first few";
    site.probed = Text(insns[0]);
    return site;
  }

  // A jump from elsewhere in the function into the passed instructions (or
  // onto the site) would enter without passing the function's entry: a
  // probe there would count that path too. Only direct branches can be
  // checked; the prologue of an allocator is not an indirect jump target.
  const uint64_t site_address = insns[chosen].address;
  for (const cs_insn& insn : insns) {
    if (!cs_insn_group(handle, &insn, CS_GRP_JUMP) &&
        !cs_insn_group(handle, &insn, CS_GRP_CALL)) {
      continue;
    }
    const cs_x86& x86 = insn.detail->x86;
    for (uint8_t op = 0; op < x86.op_count; ++op) {
      if (x86.operands[op].type != X86_OP_IMM) continue;
      const auto target = static_cast<uint64_t>(x86.operands[op].imm);
      if (target > address && target <= site_address) {
        site.why = absl::StrCat("0x", absl::Hex(insn.address - address),
                                " branches into the prologue");
        site.probed = Text(insns[0]);
        return site;
      }
    }
  }
  site.offset = site_address - address;
  site.probed = Text(insns[chosen]);
  site.emulated = true;
  site.passed = absl::StrJoin(passed, "; ");
  return site;
}

}  // namespace allocprof
