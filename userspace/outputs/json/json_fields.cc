#include "userspace/outputs/json/json_fields.h"

#include <limits>

namespace allocprof {
namespace {

// The member, or nullptr when absent or null.
const Json* Find(const JsonAt& object, const char* key) {
  auto it = object.value.find(key);
  if (it == object.value.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status WrongType(const JsonAt& at, const char* expected) {
  return FieldError(at, absl::StrCat("expected ", expected, ", found ",
                                     at.value.type_name()));
}

bool ParseHex(const std::string& text, uint64_t* out) {
  if (text.size() < 3 || text.size() > 18 || text[0] != '0' ||
      (text[1] != 'x' && text[1] != 'X')) {
    return false;
  }
  uint64_t value = 0;
  for (size_t i = 2; i < text.size(); ++i) {
    char c = text[i];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return false;
    }
    value = value << 4 | static_cast<uint64_t>(digit);
  }
  *out = value;
  return true;
}

}  // namespace

JsonAt JsonAt::Member(const char* key) const {
  return JsonAt{value.at(key), path.empty() ? key : absl::StrCat(path, ".", key)};
}

JsonAt JsonAt::Element(size_t index) const {
  return JsonAt{value.at(index), absl::StrCat(path, "[", index, "]")};
}

absl::Status FieldError(const JsonAt& at, const std::string& what) {
  return absl::InvalidArgumentError(
      at.path.empty() ? what : absl::StrCat(at.path, ": ", what));
}

absl::Status ExpectObject(const JsonAt& at) {
  return at.value.is_object() ? absl::OkStatus() : WrongType(at, "an object");
}

absl::Status ExpectArray(const JsonAt& at) {
  return at.value.is_array() ? absl::OkStatus() : WrongType(at, "an array");
}

absl::Status ReadField(const JsonAt& object, const char* key, std::string* out) {
  if (Find(object, key) == nullptr) return absl::OkStatus();
  JsonAt at = object.Member(key);
  if (!at.value.is_string()) return WrongType(at, "a string");
  *out = at.value.get<std::string>();
  return absl::OkStatus();
}

absl::Status ReadField(const JsonAt& object, const char* key, int64_t* out) {
  if (Find(object, key) == nullptr) return absl::OkStatus();
  JsonAt at = object.Member(key);
  if (!at.value.is_number_integer()) return WrongType(at, "an integer");
  if (at.value.is_number_unsigned() &&
      at.value.get<uint64_t>() >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return FieldError(at, "out of range (more than 2^63-1)");
  }
  *out = at.value.get<int64_t>();
  return absl::OkStatus();
}

absl::Status ReadField(const JsonAt& object, const char* key, uint64_t* out) {
  if (Find(object, key) == nullptr) return absl::OkStatus();
  JsonAt at = object.Member(key);
  if (!at.value.is_number_integer()) return WrongType(at, "an integer");
  if (!at.value.is_number_unsigned() && at.value.get<int64_t>() < 0) {
    return FieldError(at, "expected a non-negative integer");
  }
  *out = at.value.get<uint64_t>();
  return absl::OkStatus();
}

absl::Status ReadField(const JsonAt& object, const char* key, double* out) {
  if (Find(object, key) == nullptr) return absl::OkStatus();
  JsonAt at = object.Member(key);
  if (!at.value.is_number()) return WrongType(at, "a number");
  *out = at.value.get<double>();
  return absl::OkStatus();
}

absl::Status ReadField(const JsonAt& object, const char* key, bool* out) {
  if (Find(object, key) == nullptr) return absl::OkStatus();
  JsonAt at = object.Member(key);
  if (!at.value.is_boolean()) return WrongType(at, "true or false");
  *out = at.value.get<bool>();
  return absl::OkStatus();
}

absl::Status ReadHexField(const JsonAt& object, const char* key, uint64_t* out) {
  if (Find(object, key) == nullptr) return absl::OkStatus();
  JsonAt at = object.Member(key);
  constexpr const char* kExpected = "a hex string such as \"0x401000\"";
  if (!at.value.is_string()) return WrongType(at, kExpected);
  if (!ParseHex(at.value.get<std::string>(), out)) {
    return FieldError(at, absl::StrCat("expected ", kExpected, ", found \"",
                                       at.value.get<std::string>(), "\""));
  }
  return absl::OkStatus();
}

absl::Status ReadField(const JsonAt& object, const char* key,
                       std::vector<std::string>* out) {
  return ReadArrayField(object, key, out,
                        [](const JsonAt& at, std::string* item) {
                          if (!at.value.is_string()) return WrongType(at, "a string");
                          *item = at.value.get<std::string>();
                          return absl::OkStatus();
                        });
}

}  // namespace allocprof
