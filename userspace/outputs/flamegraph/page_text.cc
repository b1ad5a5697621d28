#include "userspace/outputs/flamegraph/page_text.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace allocprof {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// The code point at the start of `text` and its length in bytes; U+FFFD
// over one byte where the bytes are not well-formed UTF-8 (overlong forms,
// surrogates and values past U+10FFFF included).
char32_t NextCodePoint(std::string_view text, size_t* length) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  uint8_t lead = byte(0);
  *length = 1;
  if (lead < 0x80) return lead;
  size_t n;
  char32_t cp;
  char32_t min;
  if ((lead & 0xE0) == 0xC0) {
    n = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    n = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    n = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return kReplacement;
  }
  if (text.size() < n) return kReplacement;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return kReplacement;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return kReplacement;
  }
  *length = n;
  return cp;
}

void AppendUtf8(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void AppendUnicodeEscape(std::string* out, char32_t cp) {
  if (cp < 0x10000) {
    absl::StrAppendFormat(out, "\\u%04x", static_cast<uint32_t>(cp));
    return;
  }
  // JSON has no escape beyond the BMP: a UTF-16 surrogate pair.
  cp -= 0x10000;
  absl::StrAppendFormat(out, "\\u%04x\\u%04x", 0xD800 + (cp >> 10),
                        0xDC00 + (cp & 0x3FF));
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view text) {
  out->push_back('"');
  for (size_t i = 0; i < text.size();) {
    size_t length;
    char32_t cp = NextCodePoint(text.substr(i), &length);
    i += length;
    switch (cp) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        // ASCII only: the file's bytes then never depend on how a browser
        // guesses its encoding, and XML's forbidden characters (U+FFFE,
        // U+FFFF) travel as escapes.
        if (cp < 0x20 || cp >= 0x7F || cp == '<' || cp == '>' || cp == '&') {
          AppendUnicodeEscape(out, cp);
        } else {
          out->push_back(static_cast<char>(cp));
        }
    }
  }
  out->push_back('"');
}

std::string MarkupText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t length;
    char32_t cp = NextCodePoint(text.substr(i), &length);
    i += length;
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (cp < 0x20 || cp == 0x7F || cp == 0xFFFE || cp == 0xFFFF) {
          out.push_back(' ');
        } else {
          AppendUtf8(&out, cp);
        }
    }
  }
  return out;
}

}  // namespace allocprof
