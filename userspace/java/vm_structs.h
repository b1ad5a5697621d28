// HotSpot's description of its own data structures: the gHotSpotVMStructs
// and gHotSpotVMTypes tables that libjvm exports for its serviceability
// agent, read from a running JVM's memory. They give the field offsets and
// type sizes of this exact build, so nothing about a JVM's layout is
// hard-coded.
#ifndef ALLOCPROF_USERSPACE_JAVA_VM_STRUCTS_H_
#define ALLOCPROF_USERSPACE_JAVA_VM_STRUCTS_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace allocprof {

// Reads `size` bytes at `addr` of process `pid`; false when they cannot be.
bool ReadTargetMemory(pid_t pid, uint64_t addr, void* out, size_t size);
// A NUL-terminated string of at most `max` bytes at `addr`.
std::optional<std::string> ReadTargetString(pid_t pid, uint64_t addr, size_t max = 256);

class VmStructs {
 public:
  // `libjvm` is a path through which this process can open the target's
  // libjvm.so, mapped at `load_bias` (runtime address - ELF address).
  static absl::StatusOr<VmStructs> Read(pid_t pid, const std::string& libjvm,
                                        uint64_t load_bias);

  // The offset of a non-static field ("Method", "_constMethod").
  std::optional<uint64_t> Offset(absl::string_view type, absl::string_view field) const;
  // sizeof(type).
  std::optional<uint64_t> Size(absl::string_view type) const;

 private:
  absl::flat_hash_map<std::string, uint64_t> offsets_;  // "Type::field"
  absl::flat_hash_map<std::string, uint64_t> sizes_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_VM_STRUCTS_H_
