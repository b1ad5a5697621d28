#include "userspace/python/line_table.h"

namespace allocprof {
namespace {

constexpr int kCodeUnitBytes = 2;
// Entry codes (Include/cpython/code.h, _PyCodeLocationInfoKind).
constexpr int kOneLine0 = 10;
constexpr int kOneLine1 = 11;
constexpr int kOneLine2 = 12;
constexpr int kNoColumns = 13;
constexpr int kLong = 14;
constexpr int kNone = 15;
// More 6-bit groups than an int holds: a hostile varint.
constexpr int kMaxVarintGroups = 6;

// Reads the table one entry at a time.
class Entries {
 public:
  explicit Entries(absl::string_view table) : table_(table) {}

  bool at_end() const { return pos_ >= table_.size(); }
  // The entry at the cursor: its line delta, whether it has a line, and
  // the bytes of code it covers; false when it is malformed. Moves to the
  // next entry.
  bool Next(int* delta, bool* has_line, int* bytes) {
    const uint8_t first = Byte(pos_);
    if ((first & 0x80) == 0) return false;
    const int code = (first >> 3) & 15;
    *bytes = ((first & 7) + 1) * kCodeUnitBytes;
    *has_line = code != kNone;
    *delta = 0;
    if (code == kNoColumns || code == kLong) {
      std::optional<int> d = SignedVarint(pos_ + 1);
      if (!d) return false;
      *delta = *d;
    } else if (code >= kOneLine0 && code <= kOneLine2) {
      *delta = code - kOneLine0;
    }
    // The next entry starts at the next byte with its top bit set.
    do {
      ++pos_;
    } while (pos_ < table_.size() && (Byte(pos_) & 0x80) == 0);
    return true;
  }

 private:
  uint8_t Byte(size_t i) const { return static_cast<uint8_t>(table_[i]); }

  std::optional<int> SignedVarint(size_t at) const {
    uint32_t value = 0;
    for (int group = 0; group < kMaxVarintGroups; ++group, ++at) {
      if (at >= table_.size()) return std::nullopt;
      const uint8_t b = Byte(at);
      // A byte with the top bit set starts the next entry.
      if (b & 0x80) return std::nullopt;
      value |= static_cast<uint32_t>(b & 63) << (6 * group);
      if ((b & 64) == 0) {
        const int magnitude = static_cast<int>((value >> 1) & 0x7fffffff);
        return (value & 1) ? -magnitude : magnitude;
      }
    }
    return std::nullopt;
  }

  absl::string_view table_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<int> PythonLineOf(absl::string_view table, int first_line, int offset) {
  if (offset < 0) return first_line;
  Entries entries(table);
  int64_t line = first_line;
  int64_t end = 0;
  while (!entries.at_end()) {
    int delta = 0, bytes = 0;
    bool has_line = false;
    if (!entries.Next(&delta, &has_line, &bytes)) return std::nullopt;
    line += delta;
    // A hostile table's deltas could run the line anywhere.
    if (line < 0 || line > INT32_MAX) return std::nullopt;
    end += bytes;
    if (end > offset) {
      if (!has_line) return std::nullopt;
      return static_cast<int>(line);
    }
  }
  return std::nullopt;
}

}  // namespace allocprof
