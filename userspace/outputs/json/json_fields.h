// Typed reading of JSON members with errors that say where: a profile read
// from a script's output fails as "stacks[3].frames[0].address: expected a
// hex string such as \"0x401000\", found number", not as an exception.
// Used by json_reader.cc only.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_FIELDS_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_FIELDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace allocprof {

using Json = nlohmann::ordered_json;

// A value inside the document and its path from the root, for errors.
struct JsonAt {
  const Json& value;
  std::string path;  // "" for the root, "totals.outstanding", "stacks[3]"

  JsonAt Member(const char* key) const;  // `value` must be an object with it
  JsonAt Element(size_t index) const;    // `value` must be an array
};

// "<path>: <what>", or just <what> at the root.
absl::Status FieldError(const JsonAt& at, const std::string& what);

absl::Status ExpectObject(const JsonAt& at);
absl::Status ExpectArray(const JsonAt& at);

// Optional members of an object (checked with ExpectObject): an absent or
// null member leaves *out as it was, so a script may leave out what it does
// not know; a member of the wrong type or out of range is an error.
absl::Status ReadField(const JsonAt& object, const char* key, std::string* out);
absl::Status ReadField(const JsonAt& object, const char* key, int64_t* out);
absl::Status ReadField(const JsonAt& object, const char* key, uint64_t* out);
absl::Status ReadField(const JsonAt& object, const char* key, double* out);
absl::Status ReadField(const JsonAt& object, const char* key, bool* out);
// A "0x..." string, as addresses are written.
absl::Status ReadHexField(const JsonAt& object, const char* key, uint64_t* out);
absl::Status ReadField(const JsonAt& object, const char* key,
                       std::vector<std::string>* out);

// An optional array member: appends read(element, &item) for each element;
// `read` returns absl::Status.
template <typename T, typename ReadFn>
absl::Status ReadArrayField(const JsonAt& object, const char* key,
                            std::vector<T>* out, ReadFn read) {
  auto it = object.value.find(key);
  if (it == object.value.end() || it->is_null()) return absl::OkStatus();
  JsonAt array = object.Member(key);
  if (absl::Status s = ExpectArray(array); !s.ok()) return s;
  out->reserve(out->size() + array.value.size());
  for (size_t i = 0; i < array.value.size(); ++i) {
    T item;
    if (absl::Status s = read(array.Element(i), &item); !s.ok()) return s;
    out->push_back(std::move(item));
  }
  return absl::OkStatus();
}

// An optional object member: read(member) when it is there.
template <typename ReadFn>
absl::Status ReadObjectField(const JsonAt& object, const char* key, ReadFn read) {
  auto it = object.value.find(key);
  if (it == object.value.end() || it->is_null()) return absl::OkStatus();
  JsonAt member = object.Member(key);
  if (absl::Status s = ExpectObject(member); !s.ok()) return s;
  return read(member);
}

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_FIELDS_H_
