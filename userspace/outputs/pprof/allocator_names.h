// Which function names are allocator entry points, for telling the
// allocator frame of a stack read from a pprof file, where the frame kind is
// not stored.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_PPROF_ALLOCATOR_NAMES_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_PPROF_ALLOCATOR_NAMES_H_

#include "absl/strings/string_view.h"

namespace allocprof {

// True for the C library's malloc family, the mmap-family calls allocprof
// probes, their glibc-internal aliases, and C++ operator new/delete
// (demangled or mangled), ignoring an ELF symbol version ("malloc@@GLIBC_2.2.5").
bool IsAllocatorFunction(absl::string_view name);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_PPROF_ALLOCATOR_NAMES_H_
