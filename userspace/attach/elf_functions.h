// Where a function lives in an ELF file, as the file offset a uprobe takes.
#ifndef ALLOCPROF_USERSPACE_ATTACH_ELF_FUNCTIONS_H_
#define ALLOCPROF_USERSPACE_ATTACH_ELF_FUNCTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace allocprof {

struct ElfFunction {
  uint64_t file_offset = 0;  // of the first instruction: where uprobes go
  uint64_t vaddr = 0;        // its virtual address in the object
  uint64_t size = 0;         // st_size; 0 when the symbol has none
};

// Defined functions among `names` in the file at `path` (symbol versions
// such as malloc@@GLIBC_2.2.5 match their plain name). Both .dynsym and
// .symtab are searched. Names that are not defined there are absent from
// the result.
absl::StatusOr<absl::flat_hash_map<std::string, ElfFunction>> FindFunctions(
    const std::string& path, const absl::flat_hash_set<std::string>& names);

// The code of `function` in the file at `path`, at most `max_bytes` of it.
absl::StatusOr<std::vector<uint8_t>> ReadFunctionCode(const std::string& path,
                                                      const ElfFunction& function,
                                                      size_t max_bytes);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_ELF_FUNCTIONS_H_
