#include "userspace/outputs/pprof/allocator_names.h"

#include "absl/strings/match.h"

namespace allocprof {
namespace {

// The entry points of attach/allocator_catalog.cc and the syscall probes,
// and the names the same code has in glibc's own symbol table and in other
// tools' profiles.
constexpr absl::string_view kAllocatorFunctions[] = {
    "malloc",        "free",          "calloc",        "realloc",
    "reallocarray",  "posix_memalign", "aligned_alloc", "memalign",
    "valloc",        "pvalloc",       "cfree",         "mmap",
    "mmap64",        "munmap",        "mremap",        "brk",
    "sbrk",          "__libc_malloc", "__libc_free",   "__libc_calloc",
    "__libc_realloc", "__libc_memalign", "__libc_valloc", "__libc_pvalloc",
    "__posix_memalign", "__mmap",     "__mmap64",      "__munmap",
    "__mremap",      "__brk",         "__sbrk",        "reallocf",
    "mallocx",       "rallocx",       "xallocx",       "dallocx",
    "sdallocx",
};

// Allocators' own prefixed APIs (jemalloc's je_*, tcmalloc's tc_*, mimalloc's
// mi_*): only ever looked at on a stack's leaf, the probed function.
constexpr absl::string_view kAllocatorPrefixes[] = {"je_", "tc_", "mi_"};

// C++ allocation operators: every overload (sized, aligned, nothrow) shares
// the demangled prefix, and the Itanium mangled names share theirs.
constexpr absl::string_view kOperatorPrefixes[] = {
    "operator new", "operator delete", "_Znw", "_Zna", "_Zdl", "_Zda"};

}  // namespace

bool IsAllocatorFunction(absl::string_view name) {
  if (size_t at = name.find('@'); at != absl::string_view::npos) {
    name = name.substr(0, at);
  }
  for (absl::string_view fn : kAllocatorFunctions) {
    if (name == fn) return true;
  }
  for (absl::string_view prefix : kAllocatorPrefixes) {
    if (absl::StartsWith(name, prefix)) return true;
  }
  for (absl::string_view prefix : kOperatorPrefixes) {
    if (!absl::StartsWith(name, prefix)) continue;
    absl::string_view rest = name.substr(prefix.size());
    // "operator new", "operator new[](unsigned long)", "operator
    // delete(void*)" but not "operator newline_helper()".
    if (prefix[0] == '_' || rest.empty() || rest[0] == '(' || rest[0] == '[') {
      return true;
    }
  }
  return false;
}

}  // namespace allocprof
