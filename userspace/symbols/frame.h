// One symbolized stack frame.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_FRAME_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_FRAME_H_

#include <cstdint>
#include <string>

namespace allocprof {

struct Frame {
  uint64_t addr = 0;
  std::string function;  // demangled name; empty when unknown
  // Path of the mapped object as the target sees it; "[jit]" for perf-map
  // frames, a pseudo name such as "[vdso]" or "[anon:NAME]" for memory with
  // no file, "" when unmapped or plain anonymous memory.
  std::string module;
  // addr - function start when function is known, else the offset within
  // the module (ELF virtual address; the file offset when the ELF file
  // could not be read; addr - mapping start for pseudo names), else 0.
  uint64_t offset = 0;
  // "function" or, when unknown, "basename(module)+0x<offset>" or
  // "0x<addr>" — never empty.
  std::string DisplayName() const;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_FRAME_H_
