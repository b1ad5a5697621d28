// Which frame of a stack is the program's own code: the one a person reads
// first when asking "who holds this memory". The allocator's frames, the
// C and C++ runtime's (libc, libstdc++, the loader, an allocator library,
// std:: templates instantiated in the program) and an interpreter's own C
// code say less than the program's `remember(int) (cache.cc:15)` that
// resized the vector. The leak-suspect lines of the report and the flame
// graph's default focus both name this frame.
#ifndef ALLOCPROF_USERSPACE_PROFILE_OWN_CODE_H_
#define ALLOCPROF_USERSPACE_PROFILE_OWN_CODE_H_

#include <cstddef>
#include <optional>

#include "userspace/profile/profile.h"

namespace allocprof {

// Whether `frame` is the program's own code:
//  - a Python function, or a Java method outside the JDK (java.*, javax.*,
//    jdk.*, sun.*, com.sun.*) or other JIT code;
//  - a function of the executable or of a library that is neither the C/C++
//    runtime (libc, libm, libpthread, libstdc++, libc++, libgcc_s, ld.so),
//    an allocator library (jemalloc, tcmalloc, mimalloc) nor an
//    interpreter (libpython, python3.x, libjvm), and that is no std:: or
//    __gnu_cxx:: template and no operator new or delete.
// Never the allocator frame (kAllocator) or an unknown one.
bool IsOwnCode(const ProfileFrame& frame);

// The index in stack.frames of the innermost frame that IsOwnCode();
// nullopt when there is none (a stack all in the C library).
std::optional<size_t> FirstOwnFrame(const ProfileStack& stack);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PROFILE_OWN_CODE_H_
