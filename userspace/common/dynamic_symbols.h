// The exported (dynamic) symbols a runtime publishes its structures by:
// libjvm's gHotSpotVM* tables, libpython's _PyRuntime. The object is the
// target's, opened through its root with the checks of target_file.h.
#ifndef ALLOCPROF_USERSPACE_COMMON_DYNAMIC_SYMBOLS_H_
#define ALLOCPROF_USERSPACE_COMMON_DYNAMIC_SYMBOLS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace allocprof {

struct DynamicSymbol {
  uint64_t value = 0;  // as linked: add the load bias for an address
  uint64_t size = 0;
};

// The defined dynamic symbols of `path` among `names`, by name; the ones it
// does not define are absent. Fails only when the file cannot be opened or
// is not ELF.
absl::StatusOr<absl::flat_hash_map<std::string, DynamicSymbol>> ReadDynamicSymbols(
    const std::string& path, const std::vector<std::string>& names);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_COMMON_DYNAMIC_SYMBOLS_H_
