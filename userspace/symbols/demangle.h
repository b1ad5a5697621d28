// C++ symbol names as a person reads them.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_DEMANGLE_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_DEMANGLE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace allocprof {

// The demangled form of an Itanium C++ ABI name ("_ZN3foo3barEi" ->
// "foo::bar(int)"); any other name, or one the demangler rejects, unchanged.
std::string Demangle(absl::string_view name);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_DEMANGLE_H_
