// Where on a function its probe goes. The kernel emulates a few x86
// instructions at a uprobe (push of a register, direct jmp/jcc/call, nop)
// and single-steps all others, which costs ten times more on this kind of
// VM: glibc's free starts with `test %rdi,%rdi` (single-stepped, ~13 us a
// call), its next instruction `je` is emulated (under 1 us).
#ifndef ALLOCPROF_USERSPACE_ATTACH_PROBE_SITE_H_
#define ALLOCPROF_USERSPACE_ATTACH_PROBE_SITE_H_

#include <cstdint>
#include <string>

#include "absl/types/span.h"

namespace allocprof {

struct ProbeSite {
  uint64_t offset = 0;  // from the function's first instruction
  std::string passed;   // instructions before the site, e.g. "test rdi, rdi"
  std::string probed;   // the instruction the probe sits on
  std::string why;      // why the site is the first instruction, when it is
  bool emulated = false;  // the kernel emulates `probed` (else single-steps)
};

// The first instruction of `code` (a function's bytes from its first
// instruction, at virtual address `address`) that the kernel emulates, when
// moving the probe there changes nothing the probe sees:
//  - every instruction before it falls through to the next: no branch, and
//    no direct branch anywhere in `code` targets one of them but the first;
//  - none of them writes an argument register the probe reads (`args_read`:
//    bit n for the n-th argument, rdi, rsi, rdx, rcx, r8, r9), rsp or rbp,
//    so those arguments, [sp] (the return address, which return probes
//    hijack and the caller fix-up reads) and the frame-pointer chain are
//    what they were at entry. An argument the probe never reads may be
//    overwritten: jemalloc's free loads rdx before its first emulated
//    instruction, and reads only rdi;
//  - it lies within the first few instructions.
// Otherwise offset 0, the function's entry.
inline constexpr uint32_t kAllArguments = 0x7e;  // bits 1..6
ProbeSite ChooseProbeSite(absl::Span<const uint8_t> code, uint64_t address,
                          uint32_t args_read = kAllArguments);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_PROBE_SITE_H_
