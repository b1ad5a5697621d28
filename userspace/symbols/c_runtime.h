// The objects of the C runtime (glibc: libc, the dynamic loader, libm,
// libpthread, libdl, librt), by file name. Their frames are the same in
// every program: the symbolizer names them from their symbols alone, and
// the leak-suspect line looks past them for the program's own code.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_C_RUNTIME_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_C_RUNTIME_H_

#include "absl/strings/string_view.h"

namespace allocprof {

// Whether the object at `path` is part of the C runtime. "libc.so" and
// "libc-" (glibc before 2.34 named it libc-2.31.so) leave libcrypto alone.
bool IsCRuntimeObject(absl::string_view path);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_C_RUNTIME_H_
