// One symbolized stack frame.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_FRAME_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_FRAME_H_

#include <cstdint>
#include <string>
#include <vector>

namespace allocprof {

// A place in the source code, from DWARF line information.
struct SourceLine {
  std::string file;   // as the debug information names it, usually absolute
  uint32_t line = 0;  // 0: unknown (and then `file` is empty too)

  bool known() const { return line != 0; }
};

// A function the compiler inlined at a frame's address: it has no frame of
// its own in the machine stack, but is one in the source.
struct InlinedFrame {
  std::string function;  // demangled; empty when the DWARF names none
  SourceLine source;     // where in it the address is
};

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
  // Where addr is in `function`'s source, when there is DWARF for it; with
  // inlined functions, the line that calls the outermost of them.
  SourceLine source;
  // Functions inlined at addr, innermost first: inlined[0] holds addr,
  // inlined[i] is called from inlined[i + 1], the last from `function`.
  std::vector<InlinedFrame> inlined;
  // "function" or, when unknown, "basename(module)+0x<offset>" or
  // "0x<addr>" — never empty.
  std::string DisplayName() const;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_FRAME_H_
