#include "userspace/outputs/pprof/utf8_strings.h"

#include <cstdint>

#include "absl/status/status.h"

namespace allocprof {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
constexpr uint64_t kStringTableField = 6;

// The length of the well-formed UTF-8 sequence at text[i], 0 when there is
// none (Unicode 15, table 3-7: no overlong forms, surrogates or code points
// above U+10FFFF, as protobuf checks).
size_t SequenceLength(absl::string_view text, size_t i) {
  auto byte = [&](size_t k) -> unsigned {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  auto in = [&](size_t k, unsigned lo, unsigned hi) {
    return i + k < text.size() && byte(k) >= lo && byte(k) <= hi;
  };
  unsigned c = byte(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c >= 0xE1 && c <= 0xEF) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0) {
    return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  if (c >= 0xF1 && c <= 0xF3) {
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  if (c == 0xF4) {
    return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

bool IsValidUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t n = SequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool ReadVarint(absl::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in->empty()) return false;
    auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void WriteVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

absl::Status Malformed() {
  return absl::InvalidArgumentError(
      "the data is not a profile.proto message (truncated, or another format)");
}

}  // namespace

std::string ValidUtf8(absl::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string valid;
  for (size_t i = 0; i < text.size();) {
    size_t n = SequenceLength(text, i);
    if (n == 0) {
      valid += kReplacement;
      ++i;
    } else {
      valid.append(text.data() + i, n);
      i += n;
    }
  }
  return valid;
}

absl::StatusOr<std::string> ProfileWithValidUtf8(absl::string_view serialized) {
  std::string out;
  out.reserve(serialized.size());
  absl::string_view in = serialized;
  while (!in.empty()) {
    const char* field_start = in.data();
    uint64_t tag;
    if (!ReadVarint(&in, &tag) || (tag >> 3) == 0) return Malformed();
    uint64_t value;
    switch (tag & 7) {
      case 0:  // varint
        if (!ReadVarint(&in, &value)) return Malformed();
        break;
      case 1:  // 64-bit
        if (in.size() < 8) return Malformed();
        in.remove_prefix(8);
        break;
      case 5:  // 32-bit
        if (in.size() < 4) return Malformed();
        in.remove_prefix(4);
        break;
      case 2: {  // length-delimited
        if (!ReadVarint(&in, &value) || value > in.size()) return Malformed();
        absl::string_view bytes = in.substr(0, value);
        in.remove_prefix(value);
        if ((tag >> 3) == kStringTableField && !IsValidUtf8(bytes)) {
          std::string valid = ValidUtf8(bytes);
          WriteVarint(tag, &out);
          WriteVarint(valid.size(), &out);
          out += valid;
          continue;
        }
        break;
      }
      default:  // groups: profile.proto has none
        return Malformed();
    }
    out.append(field_start, in.data() - field_start);
  }
  return out;
}

}  // namespace allocprof
