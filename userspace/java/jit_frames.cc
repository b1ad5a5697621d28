#include "userspace/java/jit_frames.h"

#include <capstone/capstone.h>
#include <sys/uio.h>

#include <algorithm>

namespace allocprof {
namespace {

// The verified entry lies after the inline cache check of the unverified
// one (and its alignment); the frame is built within a few instructions.
constexpr size_t kPrologueBytes = 96;
constexpr size_t kPrologueInsns = 24;

// rbp saved at CFA - 16 (ap_unwind_row.rbp_rule counts words from the CFA).
constexpr int8_t kSavedRbpRule = -2;

// The perf map's name of the template interpreter's code, and where an
// interpreted frame keeps its Method*, in words from rbp
// (frame::interpreter_frame_method_offset in HotSpot's frame_x86.hpp,
// unchanged since JDK 8).
constexpr absl::string_view kInterpreterName = "Interpreter";
constexpr int8_t kInterpreterMethodSlot = -3;

bool Is(const cs_insn& insn, unsigned id) { return insn.id == id; }

bool IsReg(const cs_x86_op& op, x86_reg reg) {
  return op.type == X86_OP_REG && op.reg == reg;
}

}  // namespace

bool IsJavaMethodName(absl::string_view name) {
  // "<return type> <class>.<method>(<arguments>)"
  const size_t open = name.find('(');
  if (open == absl::string_view::npos || name.empty() || name.back() != ')') return false;
  const absl::string_view head = name.substr(0, open);
  const size_t space = head.rfind(' ');
  return space != absl::string_view::npos && head.find('.', space) != absl::string_view::npos;
}

std::optional<uint32_t> CompiledFrameSize(absl::Span<const uint8_t> code) {
  csh handle;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return std::nullopt;
  cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
  cs_insn* insns = nullptr;
  const size_t count = cs_disasm(handle, code.data(), code.size(), 0, kPrologueInsns, &insns);
  std::optional<uint32_t> size;
  bool pushed_rbp = false;
  for (size_t i = 0; i < count; ++i) {
    const cs_insn& insn = insns[i];
    const cs_x86& x86 = insn.detail->x86;
    if (!pushed_rbp) {
      pushed_rbp = Is(insn, X86_INS_PUSH) && x86.op_count == 1 &&
                   IsReg(x86.operands[0], X86_REG_RBP);
      continue;
    }
    // After the push: an optional `mov %rsp,%rbp`, then the frame.
    if (Is(insn, X86_INS_MOV) && x86.op_count == 2 && IsReg(x86.operands[0], X86_REG_RBP) &&
        IsReg(x86.operands[1], X86_REG_RSP)) {
      continue;
    }
    if (Is(insn, X86_INS_SUB) && x86.op_count == 2 && IsReg(x86.operands[0], X86_REG_RSP) &&
        x86.operands[1].type == X86_OP_IMM && x86.operands[1].imm >= 0 &&
        x86.operands[1].imm < 0xfff0) {
      size = static_cast<uint32_t>(x86.operands[1].imm) + 16;
    }
    break;  // anything else: not HotSpot's frame building
  }
  if (insns) cs_free(insns, count);
  cs_close(&handle);
  return size;
}

JitRows BuildJitRows(pid_t pid, std::vector<PerfMapEntry> entries) {
  JitRows out;
  std::sort(entries.begin(), entries.end(),
            [](const PerfMapEntry& a, const PerfMapEntry& b) { return a.start < b.start; });
  // The JVM reuses freed code cache for new methods: of overlapping
  // entries, the first by address is kept (the map is a fresh snapshot, so
  // overlaps are rare).
  std::vector<PerfMapEntry> methods;
  for (PerfMapEntry& e : entries) {
    if (e.size == 0 || (!IsJavaMethodName(e.name) && e.name != kInterpreterName)) continue;
    if (!methods.empty() && e.start < methods.back().start + methods.back().size) continue;
    methods.push_back(std::move(e));
  }
  if (methods.empty()) return out;
  out.start = methods.front().start;
  out.end = methods.back().start + methods.back().size;
  if (out.end - out.start > UINT32_MAX) return out;  // rows hold 32-bit offsets
  uint8_t code[kPrologueBytes];
  for (const PerfMapEntry& m : methods) {
    ap_unwind_row gap = {};
    gap.pc = static_cast<uint32_t>(m.start + m.size - out.start);
    gap.cfa_type = AP_CFA_NONE;
    if (m.name == kInterpreterName) {
      ap_unwind_row row = {};
      row.pc = static_cast<uint32_t>(m.start - out.start);
      row.cfa_type = AP_CFA_JAVA_INTERP;
      row.rbp_rule = kInterpreterMethodSlot;
      out.rows.push_back(row);
      out.rows.push_back(gap);
      continue;
    }
    iovec local = {code, std::min<size_t>(sizeof(code), m.size)};
    iovec remote = {reinterpret_cast<void*>(m.start), local.iov_len};
    const ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n <= 0) continue;
    const std::optional<uint32_t> frame =
        CompiledFrameSize({code, static_cast<size_t>(n)});
    if (!frame) continue;
    ap_unwind_row row = {};
    row.pc = static_cast<uint32_t>(m.start - out.start);
    row.cfa_offset = static_cast<uint16_t>(*frame);
    row.cfa_type = AP_CFA_RSP;
    row.rbp_rule = kSavedRbpRule;
    out.rows.push_back(row);
    out.rows.push_back(gap);
    ++out.methods;
  }
  return out;
}

}  // namespace allocprof
