// pymalloc, CPython's allocator for objects of up to 512 bytes, takes its
// memory from the system in arenas (anonymous mmaps of 1 MiB from 3.10 on
// 64-bit builds, 256 KiB before) and carves objects out of them. A stack
// that holds an arena is the one whose allocation found every arena full,
// not necessarily one whose objects fill it: the reader must be told, as
// for Netty's pooled chunks (java/pooled_chunks.h).
#ifndef ALLOCPROF_USERSPACE_PYTHON_PYMALLOC_ARENAS_H_
#define ALLOCPROF_USERSPACE_PYTHON_PYMALLOC_ARENAS_H_

#include <string>

#include "userspace/profile/profile.h"

namespace allocprof {

// Whether `stack` holds pymalloc arenas of the interpreter in `module` (its
// path, as the profile's frames name it): all its outstanding bytes are
// anonymous mappings of one arena size, and the mapping was made by the
// interpreter's own code (the first frame past the C library's, as
// `_PyObject_ArenaMmap` is a static function with no name in a stripped
// interpreter).
bool HoldsPymallocArenas(const ProfileStack& stack, const std::string& module);

// A note for the report when stacks hold pymalloc arenas; "" otherwise.
std::string PymallocArenaNote(const Profile& profile, const std::string& module);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PYTHON_PYMALLOC_ARENAS_H_
