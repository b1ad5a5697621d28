// Text from a traced process -- symbol and perf map names, paths, its
// command line -- made safe to print on a terminal or in a line-based
// format. The target chooses those bytes: raw, an escape sequence could
// rewrite what the terminal shows (or, on some terminals, what it sends
// back), and a line break could forge a line of a report or of folded
// stacks.
//
// Printable() keeps valid UTF-8 text as it is and escapes, so that what is
// printed is exactly what was there, visibly:
//   - C0 controls (bytes below 0x20, including tab and newline) and DEL
//     (0x7f) as \xNN;
//   - bytes that are not valid UTF-8 (a stray 0x9b is CSI to a terminal in
//     8-bit mode) as \xNN, each;
//   - the C1 controls U+0080..U+009F, and the bidirectional overrides and
//     isolates (U+202A..U+202E, U+2066..U+2069) that reorder what a reader
//     sees, as \uNNNN.
// A backslash is kept as it is: the escapes are for a person to read, not
// to be decoded.
//
// Header-only so that every layer that prints target text (reports,
// outputs) can use it without a library of its own.
#ifndef ALLOCPROF_USERSPACE_COMMON_PRINTABLE_H_
#define ALLOCPROF_USERSPACE_COMMON_PRINTABLE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace allocprof {
namespace printable_internal {

inline void AppendHex(std::string* out, const char* prefix, uint32_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  *out += prefix;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out->push_back(kHex[(value >> shift) & 0xf]);
  }
}

// The length of the valid UTF-8 sequence at `s[i]` and its code point, or 0
// when it is not one (overlong forms, surrogates and values past U+10FFFF
// are not).
inline size_t Utf8Sequence(absl::string_view s, size_t i, uint32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  size_t len;
  uint32_t min;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2, min = 0x80, *cp = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3, min = 0x800, *cp = b0 & 0x0f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4, min = 0x10000, *cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    *cp = (*cp << 6) | (byte(i + k) & 0x3f);
  }
  if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) return 0;
  return len;
}

inline bool IsHiddenCodePoint(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace printable_internal

inline std::string Printable(absl::string_view text) {
  using printable_internal::AppendHex;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c < 0x80) {  // C0 control or DEL
      AppendHex(&out, "\\x", c, 2);
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = printable_internal::Utf8Sequence(text, i, &cp);
    if (len == 0) {
      AppendHex(&out, "\\x", c, 2);
      ++i;
    } else if (printable_internal::IsHiddenCodePoint(cp)) {
      AppendHex(&out, "\\u", cp, 4);
      i += len;
    } else {
      out.append(text.data() + i, len);
      i += len;
    }
  }
  return out;
}

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_COMMON_PRINTABLE_H_
