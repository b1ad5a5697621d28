#include "userspace/java/vm_structs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "userspace/common/dynamic_symbols.h"
#include "userspace/common/target_file.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {
namespace {

// Entries are read until the one whose type name is NULL; a table this
// long means something is wrong.
constexpr int kMaxEntries = 20000;

// The values of libjvm's exported symbols `names`, by name; all of them.
absl::StatusOr<absl::flat_hash_map<std::string, uint64_t>> SymbolValues(
    const std::string& path, const std::vector<std::string>& names) {
  // The target's libjvm, through its root.
  auto symbols = ReadDynamicSymbols(path, names);
  if (!symbols.ok()) return symbols.status();
  absl::flat_hash_map<std::string, uint64_t> found;
  for (const std::string& want : names) {
    auto it = symbols->find(want);
    if (it == symbols->end()) return absl::NotFoundError(absl::StrCat(path, " exports no ", want));
    found[want] = it->second.value;
  }
  return found;
}

}  // namespace

absl::StatusOr<VmStructs> VmStructs::Read(const TargetMemory& memory, const std::string& libjvm,
                                          uint64_t load_bias) {
  const std::vector<std::string> names = {
      "gHotSpotVMStructs",
      "gHotSpotVMStructEntryArrayStride",
      "gHotSpotVMStructEntryTypeNameOffset",
      "gHotSpotVMStructEntryFieldNameOffset",
      "gHotSpotVMStructEntryIsStaticOffset",
      "gHotSpotVMStructEntryOffsetOffset",
      "gHotSpotVMStructEntryAddressOffset",
      "gHotSpotVMTypes",
      "gHotSpotVMTypeEntryArrayStride",
      "gHotSpotVMTypeEntryTypeNameOffset",
      "gHotSpotVMTypeEntrySizeOffset",
      "gHotSpotVMIntConstants",
      "gHotSpotVMIntConstantEntryArrayStride",
      "gHotSpotVMIntConstantEntryNameOffset",
      "gHotSpotVMIntConstantEntryValueOffset",
  };
  auto symbols = SymbolValues(libjvm, names);
  if (!symbols.ok()) return symbols.status();
  // Each symbol is a variable of libjvm: a pointer or an offset.
  absl::flat_hash_map<std::string, uint64_t> v;
  for (const std::string& name : names) {
    uint64_t value = 0;
    if (!memory.ReadAll(load_bias + symbols->at(name), &value, sizeof(value))) {
      return absl::UnavailableError(absl::StrCat("cannot read ", name, " in the JVM"));
    }
    v[name] = value;
  }
  if (v["gHotSpotVMStructs"] == 0 || v["gHotSpotVMStructEntryArrayStride"] == 0) {
    return absl::UnavailableError("the JVM has not filled in its VMStructs tables yet");
  }
  VmStructs out;
  for (int i = 0; i < kMaxEntries; ++i) {
    const uint64_t entry = v["gHotSpotVMStructs"] + i * v["gHotSpotVMStructEntryArrayStride"];
    uint64_t type_name = 0, field_name = 0, offset = 0, address = 0;
    int32_t is_static = 0;
    if (!memory.ReadAll(entry + v["gHotSpotVMStructEntryTypeNameOffset"], &type_name, 8) ||
        type_name == 0) {
      break;
    }
    if (!memory.ReadAll(entry + v["gHotSpotVMStructEntryFieldNameOffset"], &field_name, 8) ||
        !memory.ReadAll(entry + v["gHotSpotVMStructEntryIsStaticOffset"], &is_static, 4) ||
        !memory.ReadAll(entry + v["gHotSpotVMStructEntryOffsetOffset"], &offset, 8) ||
        !memory.ReadAll(entry + v["gHotSpotVMStructEntryAddressOffset"], &address, 8)) {
      continue;
    }
    auto type = memory.ReadString(type_name);
    auto field = memory.ReadString(field_name);
    if (!type || !field) continue;
    (is_static ? out.statics_ : out.offsets_)[absl::StrCat(*type, "::", *field)] =
        is_static ? address : offset;
  }
  for (int i = 0; i < kMaxEntries; ++i) {
    const uint64_t entry = v["gHotSpotVMTypes"] + i * v["gHotSpotVMTypeEntryArrayStride"];
    uint64_t type_name = 0, size = 0;
    if (!memory.ReadAll(entry + v["gHotSpotVMTypeEntryTypeNameOffset"], &type_name, 8) ||
        type_name == 0) {
      break;
    }
    if (!memory.ReadAll(entry + v["gHotSpotVMTypeEntrySizeOffset"], &size, 8)) continue;
    if (auto type = memory.ReadString(type_name)) out.sizes_[*type] = size;
  }
  for (int i = 0; i < kMaxEntries; ++i) {
    const uint64_t entry =
        v["gHotSpotVMIntConstants"] + i * v["gHotSpotVMIntConstantEntryArrayStride"];
    uint64_t name = 0;
    int32_t value = 0;
    if (!memory.ReadAll(entry + v["gHotSpotVMIntConstantEntryNameOffset"], &name, 8) ||
        name == 0) {
      break;
    }
    if (!memory.ReadAll(entry + v["gHotSpotVMIntConstantEntryValueOffset"], &value, 4)) {
      continue;
    }
    if (auto text = memory.ReadString(name)) out.int_constants_[*text] = value;
  }
  if (out.offsets_.empty()) return absl::UnavailableError("the JVM's VMStructs table is empty");
  return out;
}

std::optional<uint64_t> VmStructs::Offset(absl::string_view type, absl::string_view field) const {
  auto it = offsets_.find(absl::StrCat(type, "::", field));
  if (it == offsets_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint64_t> VmStructs::StaticAddress(absl::string_view type,
                                                 absl::string_view field) const {
  auto it = statics_.find(absl::StrCat(type, "::", field));
  if (it == statics_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint64_t> VmStructs::Size(absl::string_view type) const {
  auto it = sizes_.find(type);
  if (it == sizes_.end()) return std::nullopt;
  return it->second;
}

std::optional<int32_t> VmStructs::IntConstant(absl::string_view name) const {
  auto it = int_constants_.find(name);
  if (it == int_constants_.end()) return std::nullopt;
  return it->second;
}

uint64_t VmLayoutReader::Found(std::optional<uint64_t> value, absl::string_view what) {
  if (!value && status_.ok()) {
    status_ = absl::NotFoundError(absl::StrCat("the JVM's VMStructs have no ", what));
  }
  return value.value_or(0);
}

uint64_t VmLayoutReader::Offset(absl::string_view type, absl::string_view field) {
  return Found(structs_.Offset(type, field), absl::StrCat(type, "::", field));
}

uint64_t VmLayoutReader::StaticAddress(absl::string_view type, absl::string_view field) {
  return Found(structs_.StaticAddress(type, field), absl::StrCat("static ", type, "::", field));
}

uint64_t VmLayoutReader::Size(absl::string_view type) {
  return Found(structs_.Size(type), absl::StrCat("size of ", type));
}

int32_t VmLayoutReader::IntConstant(absl::string_view name) {
  auto value = structs_.IntConstant(name);
  Found(value ? std::optional<uint64_t>(0) : std::nullopt, name);
  return value.value_or(0);
}

}  // namespace allocprof
