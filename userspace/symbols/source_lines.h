// Source lines and inlined functions of one ELF object, from its DWARF
// (elfutils' libdw): which functions, at which file and line, an address
// in the object's code stands for.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_SOURCE_LINES_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_SOURCE_LINES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "userspace/common/elf_file.h"
#include "userspace/symbols/frame.h"

struct Dwarf;

namespace allocprof {

class SourceLines {
 public:
  // A function at an address, and where in its source the address is.
  struct Function {
    std::string name;  // demangled; "" when the DWARF names none
    SourceLine source;
  };

  // Reads the DWARF of the ELF file at `path` (the object itself or its
  // separate debug file: addresses are the same in both). NotFound when it
  // has none.
  static absl::StatusOr<std::unique_ptr<SourceLines>> Load(
      const std::string& path);
  ~SourceLines();
  SourceLines(const SourceLines&) = delete;
  SourceLines& operator=(const SourceLines&) = delete;

  // The functions at `vaddr` (an ELF virtual address), innermost first: the
  // functions inlined there, each called from the next, then the function
  // whose code holds it. Each one's source is where in it `vaddr` is: the
  // line of `vaddr` itself for the innermost, the line of the call to the
  // one before it for the others. Empty when no compilation unit covers
  // `vaddr`; one entry with an empty name when one does but names no
  // function (hand-written assembly).
  std::vector<Function> Lookup(uint64_t vaddr) const;

 private:
  // One address range of a compilation unit.
  struct UnitRange {
    uint64_t low = 0;
    uint64_t high = 0;  // exclusive
    uint64_t unit_offset = 0;
  };

  SourceLines(ElfFile file, Dwarf* dwarf) : file_(std::move(file)), dwarf_(dwarf) {}
  void IndexUnits();

  ElfFile file_;  // outlives dwarf_, which reads from it
  Dwarf* dwarf_;
  std::vector<UnitRange> ranges_;  // by low
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_SOURCE_LINES_H_
