#include "userspace/symbols/demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/match.h"

namespace allocprof {

std::string Demangle(absl::string_view name) {
  // Only _Z names are mangled; the demangler would also "demangle" a plain
  // C name such as "i" into a type name ("int").
  if (!absl::StartsWith(name, "_Z")) return std::string(name);
  std::string mangled(name);
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status),
      &std::free);
  if (status != 0 || demangled == nullptr) return mangled;
  return demangled.get();
}

}  // namespace allocprof
