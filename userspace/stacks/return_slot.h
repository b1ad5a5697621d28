// Where the return address sits on the stack while a function without frame
// pointers runs, from the call-frame information (.eh_frame/.debug_frame)
// of the object that holds it.
#ifndef ALLOCPROF_USERSPACE_STACKS_RETURN_SLOT_H_
#define ALLOCPROF_USERSPACE_STACKS_RETURN_SLOT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "userspace/symbols/module_map.h"

namespace allocprof {

class CfiFile;

class ReturnSlotFinder {
 public:
  // `modules` (not owned) says which object holds an address and how to
  // open it.
  explicit ReturnSlotFinder(const ModuleMap& modules);
  ~ReturnSlotFinder();

  // The byte offset from sp of the return address while the target executes
  // the instruction at `pc`: CFA - 8 - sp, for a CFA defined as sp + N.
  // nullopt when no CFI covers `pc` or its CFA is not sp-based.
  std::optional<uint64_t> ReturnSlot(uint64_t pc);

 private:
  CfiFile* FileFor(const Module& module);

  const ModuleMap& modules_;
  absl::flat_hash_map<std::string, std::unique_ptr<CfiFile>> files_;
  absl::flat_hash_map<uint64_t, std::optional<uint64_t>> slots_;
};

// The return addresses into the caller of the wrapper that made an
// address-space syscall and into that caller's own caller. `kernel_frames`
// is the stack the kernel took (frame 0 is the instruction after the
// `syscall`), `words` the user stack from sp that BPF copied, `fallback`
// BPF's guess for the first (0: none). The second is found only where the
// caller's CFA is sp-based -- a function without frame pointers, such as
// an allocator's own mmap that calls the C library's syscall() -- and lies
// within `words`; else 0.
//
// `at_fault`: the stack was taken at a page fault, so frame 0 is the
// faulting instruction itself, whose CFI row is the one that counts.
struct SyscallCallers {
  uint64_t caller = 0;
  uint64_t caller2 = 0;
};
SyscallCallers FindSyscallCallers(ReturnSlotFinder& finder,
                                  const std::vector<uint64_t>& kernel_frames,
                                  absl::Span<const uint64_t> words,
                                  uint64_t fallback, bool at_fault = false);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_STACKS_RETURN_SLOT_H_
