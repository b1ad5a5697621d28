// Which mapped object of a process is its C library.
#ifndef ALLOCPROF_USERSPACE_ATTACH_C_LIBRARY_H_
#define ALLOCPROF_USERSPACE_ATTACH_C_LIBRARY_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace allocprof {

// glibc's libc.so.6 (and the older libc-2.NN.so), musl's libc.so / the
// ld-musl loader that is musl's C library, by file name.
bool IsCLibraryPath(absl::string_view path);

// The path, as the target sees it, of the C library that `maps` (the text of
// /proc/PID/maps) shows mapped executable; nullopt if there is none (a
// static executable, or one still being loaded).
std::optional<std::string> FindCLibrary(absl::string_view maps);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_C_LIBRARY_H_
