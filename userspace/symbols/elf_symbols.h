// The function symbols and code layout of one ELF file: enough to turn an
// offset in the file into the function that holds it.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_ELF_SYMBOLS_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_ELF_SYMBOLS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace allocprof {

class ElfSymbols {
 public:
  // An executable PT_LOAD segment.
  struct Segment {
    uint64_t file_offset = 0;  // p_offset
    uint64_t file_size = 0;    // p_filesz
    uint64_t vaddr = 0;        // p_vaddr
    uint64_t mem_size = 0;     // p_memsz
  };
  // An allocated, executable section (.text, .plt, .init ...).
  struct Section {
    uint64_t vaddr = 0;
    uint64_t size = 0;
  };
  struct Symbol {
    uint64_t vaddr = 0;
    uint64_t size = 0;  // 0: the assembler gave none (hand-written code)
    std::string name;   // as in the symbol table (mangled)
  };

  // Reads `path` (opened with OpenTargetFile(), so a target's root path
  // /proc/self/fd/N/... or a host path): its segments and sections with
  // libelf, its STT_FUNC and STT_GNU_IFUNC symbols with BCC, also from
  // `debug_path` when given: the separate debug file FindDebugFile() found
  // by build ID or .gnu_debuglink. A file with no symbols at all loads; it
  // just names no function.
  static absl::StatusOr<std::unique_ptr<ElfSymbols>> Load(
      const std::string& path, const std::string& debug_path = "");

  // Builds the lookup table from parts; `symbols` may hold duplicates and
  // aliases in any order. Load() ends here; tests start here.
  ElfSymbols(std::vector<Segment> segments, std::vector<Section> sections,
             std::vector<Symbol> symbols);

  // The ELF virtual address that `file_offset` is loaded at, by the
  // executable segment holding it; nullopt when no such segment holds it.
  std::optional<uint64_t> FileOffsetToVaddr(uint64_t file_offset) const;

  // The function containing `vaddr`, or null.
  //  - A sized symbol holds [vaddr, vaddr + size).
  //  - A size-0 symbol (hand-written assembly, linker stubs) holds what lies
  //    between it and the next symbol, but never past the end of the
  //    executable section it starts in: without that bound, code with no
  //    symbol of its own in the next section (.plt after .init's size-0
  //    _init, say) would be charged to an unrelated function. A file with no
  //    section headers bounds it by its executable segment instead.
  // Only the nearest symbol at or below `vaddr` is considered; an address
  // past its end is unknown even if an earlier, larger symbol spans it
  // (nested symbols do not occur in compiler output).
  const Symbol* FindFunction(uint64_t vaddr) const;

  size_t symbol_count() const { return symbols_.size(); }

 private:
  // End (exclusive) of the code region a size-0 symbol at `vaddr` may
  // extend to; 0 when `vaddr` lies in no executable section or segment.
  uint64_t ZeroSizeBound(uint64_t vaddr) const;

  std::vector<Segment> segments_;
  std::vector<Section> sections_;
  std::vector<Symbol> symbols_;  // one per address, by vaddr
};

// Among symbols sharing an address, whether `a` names it better than `b`:
// a sized symbol over a size-0 label, then the name with fewer leading
// underscores (the public name: malloc over __libc_malloc, which glibc
// defines at the same address), then the shorter, then the alphabetically
// first, so the choice does not depend on symbol table order.
bool PreferredAlias(const ElfSymbols::Symbol& a, const ElfSymbols::Symbol& b);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_ELF_SYMBOLS_H_
