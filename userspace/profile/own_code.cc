#include "userspace/profile/own_code.h"

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "userspace/symbols/c_runtime.h"

namespace allocprof {
namespace {

// File-name prefixes of the objects that are, beyond the C runtime
// (IsCRuntimeObject), the C++ runtime, an allocator or an interpreter
// rather than the program.
constexpr absl::string_view kRuntimeObjects[] = {
    "libstdc++",   "libc++",      "libgcc_s",  "libjemalloc", "libtcmalloc", "libmimalloc",
    "libpython",   "python",      "libjvm.so", "libjli.so",   "libjava.so",
};

// Namespaces of the C++ standard library and its ABI: their templates are
// instantiated in the program's own object, so its module does not tell.
constexpr absl::string_view kRuntimeNamespaces[] = {"std::", "__gnu_cxx::", "__cxxabiv1::",
                                                    "__gnu_debug::"};

// The JDK's packages: its methods are the Java program's runtime.
constexpr absl::string_view kJdkPackages[] = {"java.", "javax.", "jdk.", "sun.", "com.sun."};

absl::string_view BaseName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

bool StartsWithAny(absl::string_view text, absl::Span<const absl::string_view> prefixes) {
  for (absl::string_view prefix : prefixes) {
    if (absl::StartsWith(text, prefix)) return true;
  }
  return false;
}

// The function's name without the return type that demangling writes in
// front of a template instance: "void std::vector<int>::_M_realloc_insert<int>(...)"
// -> "std::vector<int>::_M_realloc_insert<int>(...)". The type ends at the
// last space before the name's first '(' or '<'.
absl::string_view WithoutReturnType(absl::string_view function) {
  const absl::string_view head = function.substr(0, function.find_first_of("(<"));
  const size_t space = head.rfind(' ');
  return space == absl::string_view::npos ? function : function.substr(space + 1);
}

bool IsRuntimeFunction(absl::string_view function) {
  if (absl::StartsWith(function, "operator new") ||
      absl::StartsWith(function, "operator delete")) {
    return true;
  }
  const absl::string_view name = WithoutReturnType(function);
  // Names with two leading underscores or one and a capital are reserved to
  // the implementation (C11 7.1.3): a static executable's own copy of the
  // C library (_IO_file_doallocate, __libc_start_call_main).
  if (absl::StartsWith(name, "__") ||
      (name.size() > 1 && name[0] == '_' && name[1] >= 'A' && name[1] <= 'Z')) {
    return true;
  }
  return StartsWithAny(name, kRuntimeNamespaces);
}

}  // namespace

bool IsOwnCode(const ProfileFrame& frame) {
  switch (frame.kind) {
    case FrameKind::kPython:
      return true;
    case FrameKind::kJit:
      return !StartsWithAny(frame.function, kJdkPackages);
    case FrameKind::kProgram:
    case FrameKind::kLibrary:
      return !frame.function.empty() && !IsRuntimeFunction(frame.function) &&
             !IsCRuntimeObject(frame.module) &&
             !StartsWithAny(BaseName(frame.module), kRuntimeObjects);
    case FrameKind::kAllocator:
    case FrameKind::kUnknown:
      return false;
  }
  return false;
}

std::optional<size_t> FirstOwnFrame(const ProfileStack& stack) {
  for (size_t i = 0; i < stack.frames.size(); ++i) {
    if (IsOwnCode(stack.frames[i])) return i;
  }
  return std::nullopt;
}

}  // namespace allocprof
