#include "userspace/symbols/c_runtime.h"

#include "absl/strings/match.h"

namespace allocprof {

bool IsCRuntimeObject(absl::string_view path) {
  static constexpr absl::string_view kPrefixes[] = {
      "libc.so", "libc-",      "libm.so",  "libm-",  "libpthread", "libdl.so",
      "libdl-",  "librt.so",   "librt-",   "ld-linux", "ld64.so",  "ld.so",
  };
  const size_t slash = path.rfind('/');
  const absl::string_view name = slash == absl::string_view::npos ? path : path.substr(slash + 1);
  for (absl::string_view prefix : kPrefixes) {
    if (absl::StartsWith(name, prefix)) return true;
  }
  return false;
}

}  // namespace allocprof
