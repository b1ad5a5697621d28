// Where a function lives in an ELF file, as the file offset a uprobe takes.
#ifndef ALLOCPROF_USERSPACE_ATTACH_ELF_FUNCTIONS_H_
#define ALLOCPROF_USERSPACE_ATTACH_ELF_FUNCTIONS_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace allocprof {

// Defined functions among `names` in the file at `path` (symbol versions
// such as malloc@@GLIBC_2.2.5 match their plain name), mapped to the file
// offset of their first instruction. Both .dynsym and .symtab are searched.
// Names that are not defined there are absent from the result.
absl::StatusOr<absl::flat_hash_map<std::string, uint64_t>> FindFunctionOffsets(
    const std::string& path, const absl::flat_hash_set<std::string>& names);

// Whether the executable at `path` asks for a dynamic loader (PT_INTERP). A
// static executable never maps a shared C library.
absl::StatusOr<bool> HasInterpreter(const std::string& path);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_ELF_FUNCTIONS_H_
