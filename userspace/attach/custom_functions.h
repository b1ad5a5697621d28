// Allocate and release functions the user declares on the command line, for
// applications with allocators of their own (pools, arenas):
//   --alloc-fn OBJECT:SYMBOL:size=ARGn[:count=ARGm][:ret|:out=ARGm]
//   --free-fn  OBJECT:SYMBOL:ptr=ARGn
// ARG1 is the first argument. OBJECT is a mapped object's path as the target
// sees it, or its file name; SYMBOL is the name in its symbol table (mangled
// for C++).
#ifndef ALLOCPROF_USERSPACE_ATTACH_CUSTOM_FUNCTIONS_H_
#define ALLOCPROF_USERSPACE_ATTACH_CUSTOM_FUNCTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/attach/allocator_catalog.h"

namespace allocprof {

struct CustomFunction {
  std::string object;
  std::string symbol;
  CallShape shape;
  std::string spec;  // as given, for messages

  // `path` (as the target sees it) is the object this function lives in.
  bool InObject(absl::string_view path) const;
};

// InvalidArgument, naming the spec and what is wrong with it.
absl::StatusOr<CustomFunction> ParseAllocFn(absl::string_view spec);
absl::StatusOr<CustomFunction> ParseFreeFn(absl::string_view spec);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_CUSTOM_FUNCTIONS_H_
