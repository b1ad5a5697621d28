// HotSpot's description of its own data structures: the gHotSpotVMStructs
// and gHotSpotVMTypes tables that libjvm exports for its serviceability
// agent, read from a running JVM's memory. They give the field offsets and
// type sizes of this exact build, so nothing about a JVM's layout is
// hard-coded.
#ifndef ALLOCPROF_USERSPACE_JAVA_VM_STRUCTS_H_
#define ALLOCPROF_USERSPACE_JAVA_VM_STRUCTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/common/target_memory.h"

namespace allocprof {

class VmStructs {
 public:
  // `libjvm` is a path through which this process can open the target's
  // libjvm.so, mapped at `load_bias` (runtime address - ELF address) in
  // the JVM whose memory `memory` reads.
  static absl::StatusOr<VmStructs> Read(const TargetMemory& memory, const std::string& libjvm,
                                        uint64_t load_bias);

  // The offset of a non-static field ("Method", "_constMethod").
  std::optional<uint64_t> Offset(absl::string_view type, absl::string_view field) const;
  // The address of a static field ("CodeCache", "_heaps").
  std::optional<uint64_t> StaticAddress(absl::string_view type, absl::string_view field) const;
  // sizeof(type).
  std::optional<uint64_t> Size(absl::string_view type) const;
  // A constant ("ConstMethod::_has_linenumber_table").
  std::optional<int32_t> IntConstant(absl::string_view name) const;

 private:
  absl::flat_hash_map<std::string, uint64_t> offsets_;  // "Type::field"
  absl::flat_hash_map<std::string, uint64_t> statics_;  // "Type::field"
  absl::flat_hash_map<std::string, uint64_t> sizes_;
  absl::flat_hash_map<std::string, int32_t> int_constants_;
};

// Reads a layout's many fields from VmStructs, keeping the first that is
// missing for status(): a layout is used whole or not at all.
class VmLayoutReader {
 public:
  explicit VmLayoutReader(const VmStructs& structs) : structs_(structs) {}

  uint64_t Offset(absl::string_view type, absl::string_view field);
  uint64_t StaticAddress(absl::string_view type, absl::string_view field);
  uint64_t Size(absl::string_view type);
  int32_t IntConstant(absl::string_view name);
  // OK when every field asked for was found.
  const absl::Status& status() const { return status_; }

 private:
  uint64_t Found(std::optional<uint64_t> value, absl::string_view what);

  const VmStructs& structs_;
  absl::Status status_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_VM_STRUCTS_H_
