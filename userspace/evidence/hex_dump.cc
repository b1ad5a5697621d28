#include "userspace/evidence/hex_dump.h"

#include "absl/strings/str_format.h"

namespace allocprof {
namespace {

bool Printable(char c) { return c >= ' ' && c <= '~'; }

}  // namespace

std::vector<std::string> HexDumpLines(absl::string_view bytes) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < bytes.size(); at += 16) {
    std::string line = absl::StrFormat("%04x ", at);
    std::string text;
    for (size_t i = 0; i < 16; ++i) {
      if (i == 8) line += ' ';
      if (at + i < bytes.size()) {
        const char c = bytes[at + i];
        absl::StrAppendFormat(&line, " %02x", static_cast<unsigned char>(c));
        text += Printable(c) ? c : '.';
      } else {
        line += "   ";
      }
    }
    lines.push_back(absl::StrFormat("%s  |%s|", line, text));
  }
  return lines;
}

std::vector<std::string> PrintableStrings(absl::string_view bytes,
                                          size_t min_length) {
  std::vector<std::string> out;
  std::string run;
  for (char c : bytes) {
    if (Printable(c)) {
      run += c;
      continue;
    }
    if (run.size() >= min_length) out.push_back(run);
    run.clear();
  }
  if (run.size() >= min_length) out.push_back(run);
  return out;
}

}  // namespace allocprof
