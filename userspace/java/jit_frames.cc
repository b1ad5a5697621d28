#include "userspace/java/jit_frames.h"

#include <capstone/capstone.h>

#include <algorithm>

namespace allocprof {
namespace {

// The verified entry lies after the inline cache check of the unverified
// one (and its alignment); the frame is built within a few instructions.
constexpr size_t kPrologueBytes = 96;

// rbp saved at CFA - 16 (ap_unwind_row.rbp_rule counts words from the CFA).
constexpr int8_t kSavedRbpRule = -2;

// The perf map's name of the template interpreter's code, and where an
// interpreted frame keeps its Method* and its bytecode pointer, in words
// from rbp (frame::interpreter_frame_method_offset and _bcp_offset in
// HotSpot's frame_x86.hpp, unchanged since JDK 8: below the sender sp and
// last sp come the method, mirror, mdp, cache, locals and bcp). The JVM
// exports the first two as constants, which are checked; the sender sp's
// slot is also where the BPF walk reads it (bpf/unwind.bpf.h).
constexpr absl::string_view kInterpreterName = "Interpreter";
constexpr int32_t kInterpreterSenderSpSlot = -1;
constexpr int32_t kInterpreterLastSpSlot = -2;
constexpr int8_t kInterpreterMethodSlot = kInterpreterLastSpSlot - 1;
constexpr uint16_t kInterpreterBcpWordsBelowRbp = -(kInterpreterMethodSlot - 5);

constexpr uint8_t kPushRbp = 0x55;

bool Is(const cs_insn& insn, unsigned id) { return insn.id == id; }

bool IsReg(const cs_x86_op& op, x86_reg reg) {
  return op.type == X86_OP_REG && op.reg == reg;
}

bool IsPushRbp(const cs_insn& insn) {
  const cs_x86& x86 = insn.detail->x86;
  return Is(insn, X86_INS_PUSH) && x86.op_count == 1 && IsReg(x86.operands[0], X86_REG_RBP);
}

// The frame size the instructions after a `push %rbp` (insns[0]) build:
// an optional `mov %rsp,%rbp`, then `sub $N,%rsp` -- or nothing more for
// a frame of the saved rbp and return address alone (N = 0), which only
// `may_be_bare` accepts: when the push was found by its byte, no further
// check of what came before it was possible.
std::optional<uint32_t> FrameAfterPush(const cs_insn* insns, size_t count, bool may_be_bare) {
  size_t i = 1;
  if (i < count && Is(insns[i], X86_INS_MOV) && insns[i].detail->x86.op_count == 2 &&
      IsReg(insns[i].detail->x86.operands[0], X86_REG_RBP) &&
      IsReg(insns[i].detail->x86.operands[1], X86_REG_RSP)) {
    ++i;
  }
  if (i < count && Is(insns[i], X86_INS_SUB)) {
    const cs_x86& x86 = insns[i].detail->x86;
    if (x86.op_count == 2 && IsReg(x86.operands[0], X86_REG_RSP) &&
        x86.operands[1].type == X86_OP_IMM && x86.operands[1].imm >= 0 &&
        x86.operands[1].imm < 0xfff0) {
      return static_cast<uint32_t>(x86.operands[1].imm) + 16;
    }
    return std::nullopt;
  }
  if (may_be_bare) return 16;
  return std::nullopt;
}

// Decodes `code` and looks for the frame building among its first
// instructions; `from_start`: `code` is the method's start, decoded in
// order, so a push among them is the prologue's.
std::optional<uint32_t> FrameIn(csh handle, absl::Span<const uint8_t> code, bool from_start) {
  cs_insn* insns = nullptr;
  const size_t limit = from_start ? 24 : 3;
  const size_t count = cs_disasm(handle, code.data(), code.size(), 0, limit, &insns);
  std::optional<uint32_t> size;
  for (size_t i = 0; i < count; ++i) {
    if (IsPushRbp(insns[i])) {
      size = FrameAfterPush(insns + i, count - i, from_start);
      break;
    }
    if (!from_start) break;
  }
  if (insns) cs_free(insns, count);
  return size;
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
  // In order from the start; where that finds no push, by its byte: the
  // JVM patches the verified entry of a method it retires with a jump over
  // the first bytes of the stack bang, which then no longer decode.
  std::optional<uint32_t> size = FrameIn(handle, code, /*from_start=*/true);
  for (size_t at = 0; at < code.size() && !size; ++at) {
    if (code[at] == kPushRbp) size = FrameIn(handle, code.subspan(at), /*from_start=*/false);
  }
  cs_close(&handle);
  return size;
}

std::vector<JitCode> JitCodeOf(const std::vector<PerfMapEntry>& entries) {
  std::vector<JitCode> code;
  code.reserve(entries.size());
  for (const PerfMapEntry& e : entries) {
    JitCode::Kind kind = JitCode::Kind::kStub;
    if (e.name == kInterpreterName) {
      kind = JitCode::Kind::kInterpreter;
    } else if (IsJavaMethodName(e.name)) {
      kind = JitCode::Kind::kCompiledMethod;
    }
    code.push_back({e.start, e.size, kind});
  }
  return code;
}

bool IsKnownInterpreterLayout(int32_t sender_sp_offset, int32_t last_sp_offset) {
  return sender_sp_offset == kInterpreterSenderSpSlot && last_sp_offset == kInterpreterLastSpSlot;
}

JitRows BuildJitRows(const TargetMemory& memory, std::vector<JitCode> code,
                     const RecordedFrameSize& recorded, bool interpreter_known) {
  JitRows out;
  std::sort(code.begin(), code.end(),
            [](const JitCode& a, const JitCode& b) { return a.start < b.start; });
  std::vector<JitCode> pieces;
  for (const JitCode& c : code) {
    if (c.size == 0) continue;
    if (!pieces.empty() && c.start < pieces.back().start + pieces.back().size) continue;
    pieces.push_back(c);
  }
  if (pieces.empty()) return out;
  out.start = pieces.front().start;
  out.end = pieces.back().start + pieces.back().size;
  if (out.end - out.start > UINT32_MAX) return out;  // rows hold 32-bit offsets
  // One row for the piece's code, and one after it: code not described is
  // code compiled since, whose frame layout is unknown and in which rbp is
  // no frame pointer, so the walk ends there.
  auto add = [&out](const JitCode& c, uint8_t cfa_type, uint16_t cfa_offset, int8_t rbp_rule) {
    out.rows.push_back({static_cast<uint32_t>(c.start - out.start), cfa_offset, cfa_type,
                        rbp_rule});
    out.rows.push_back({static_cast<uint32_t>(c.start + c.size - out.start), 0, AP_CFA_STOP, 0});
  };
  uint8_t bytes[kPrologueBytes];
  for (const JitCode& c : pieces) {
    if (c.kind == JitCode::Kind::kInterpreter) {
      if (interpreter_known) {
        add(c, AP_CFA_JAVA_INTERP, kInterpreterBcpWordsBelowRbp, kInterpreterMethodSlot);
      } else {
        add(c, AP_CFA_NONE, 0, AP_RBP_SAME);
      }
      continue;
    }
    std::optional<uint32_t> frame = recorded ? recorded(c) : std::nullopt;
    if (frame && *frame > UINT16_MAX) frame.reset();
    if (c.kind == JitCode::Kind::kStub) {
      if (frame) {
        // Its caller's rbp where a compiled frame keeps it: HotSpot walks
        // every frame of a CodeBlob with a size so (frame::sender).
        add(c, AP_CFA_RSP, static_cast<uint16_t>(*frame), kSavedRbpRule);
        ++out.stub_frames;
      } else {
        // Stubs and adapters without one (the call stub, i2c/c2i ...) keep
        // rbp as their frame pointer where they have a frame at all.
        add(c, AP_CFA_NONE, 0, AP_RBP_SAME);
      }
      continue;
    }
    if (frame) {
      ++out.recorded;
    } else {
      const ssize_t n = memory.ReadSome(c.start, bytes, std::min<size_t>(sizeof(bytes), c.size));
      if (n > 0) frame = CompiledFrameSize({bytes, static_cast<size_t>(n)});
    }
    if (!frame || *frame > UINT16_MAX) {
      // Better a truncated stack than one through garbage.
      add(c, AP_CFA_STOP, 0, AP_RBP_SAME);
      continue;
    }
    add(c, AP_CFA_RSP, static_cast<uint16_t>(*frame), kSavedRbpRule);
    ++out.methods;
  }
  return out;
}

}  // namespace allocprof
