// Where on a function its probe goes. The kernel emulates a few x86
// instructions at a uprobe (push of a register, direct jmp/jcc/call, nop)
// and single-steps all others, which costs ten times more on this kind of
// VM: glibc's free starts with `test %rdi,%rdi` (single-stepped, ~13 us a
// call), its next instruction `je` is emulated (under 1 us).
#ifndef ALLOCPROF_USERSPACE_ATTACH_PROBE_SITE_H_
#define ALLOCPROF_USERSPACE_ATTACH_PROBE_SITE_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/types/span.h"
#include "bpf/events.h"

namespace allocprof {

struct ProbeSite {
  uint64_t offset = 0;    // from the function's first instruction
  bool emulated = false;  // the kernel emulates the probed instruction
  std::string passed;     // instructions before the site, e.g. "test rdi, rdi"
  std::string probed;     // the instruction the probe sits on
  // Why a probe on a single-stepped instruction stays at the entry, e.g.
  // "rdi overwritten by `mov rdi, qword ptr [rip + 0x10]` at +0x7 with no
  // copy"; empty for an emulated site.
  std::string why;
  // arg_reg[n]: the register (AP_REG_*) that holds the n-th argument's
  // value from the entry where the probe sits, for the arguments the probe
  // reads; register n (the entry's) for the others.
  std::array<uint8_t, AP_MAX_ARG + 1> arg_reg = {0, 1, 2, 3, 4, 5, 6};
};

// The first instruction of `code` (a function's bytes from its first
// instruction, at virtual address `address`) that the kernel emulates, when
// moving the probe there changes nothing the probe sees:
//  - every instruction before it falls through to the next: no branch, and
//    no direct branch anywhere in `code` targets one of them but the first;
//  - none of them writes rsp or rbp, or the stack at or above sp, so [sp]
//    (the return address, which return probes hijack and the caller fix-up
//    reads) and the frame-pointer chain are what they were at entry;
//  - every argument the probe reads (`args_read`: bit n for the n-th
//    argument, rdi, rsi, rdx, rcx, r8, r9) still has its entry value in
//    some register: its own, or a copy made by a 64-bit `mov` between
//    registers that nothing after overwrote. mimalloc's malloc copies its
//    size to rsi and loads rdi before its first emulated instruction; its
//    probe reads the size from rsi (arg_reg). An argument the probe never
//    reads may be overwritten: jemalloc's free loads rdx, and reads only
//    rdi. What an instruction writes is capstone's account of it, implicit
//    operands included (`cpuid`, `mul`, string instructions);
//  - it lies within the first few instructions.
// Otherwise offset 0, the function's entry, with `why` saying what kept it
// there.
inline constexpr uint32_t kAllArguments = 0x7e;  // bits 1..6
ProbeSite ChooseProbeSite(absl::Span<const uint8_t> code, uint64_t address,
                          uint32_t args_read = kAllArguments);

// The register (AP_REG_*) the probe at `site` reads the `arg`-th argument
// from (1..AP_MAX_ARG); 0 for 0, "none".
uint8_t ArgumentRegister(const ProbeSite& site, uint8_t arg);

// "rdi" for AP_REG_RDI ...; "?" for an index no register has.
const char* RegisterName(uint8_t ap_reg);

// For -v, why the probe sits where it does:
//   "+0x15: `ja 0x10bb0`, emulated, after `mov rax, ...; mov rsi, rdi;
//    mov rdi, ...`; ARG1 (rdi) read from rsi"
//   "`push r12`, emulated"
//   "`mov rcx, rdi`, single-stepped: branch at +0x3 (`jmp rax`)"
std::string DescribeSite(const ProbeSite& site);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_PROBE_SITE_H_
