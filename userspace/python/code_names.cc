#include "userspace/python/code_names.h"

#include <cstring>

#include "userspace/python/line_table.h"
#include "userspace/python/line_table_310.h"
#include "userspace/python/lnotab.h"

namespace allocprof {
namespace {

// Longer names and tables are not a real function's.
constexpr uint64_t kMaxTextChars = 4096;
constexpr uint64_t kMaxLineTableBytes = 1 << 20;

// Appends code point `c` as UTF-8 (a lone surrogate as U+FFFD).
void AppendUtf8(uint32_t c, std::string* out) {
  if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) c = 0xfffd;
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 63)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 63)));
    out->push_back(static_cast<char>(0x80 | (c & 63)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 63)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 63)));
    out->push_back(static_cast<char>(0x80 | (c & 63)));
  }
}

}  // namespace

std::optional<std::string> PythonCodeNames::Text(uint64_t object) {
  if (memory_.Read<uint64_t>(object + layout_.object_type) != types_.unicode) {
    return std::nullopt;
  }
  const std::optional<int64_t> length = memory_.Read<int64_t>(object + layout_.unicode_length);
  const std::optional<uint32_t> state = memory_.Read<uint32_t>(object + layout_.unicode_state);
  if (!length || !state || *length < 0 || static_cast<uint64_t>(*length) > kMaxTextChars) {
    return std::nullopt;
  }
  // PyASCIIObject.state: interned (2 bits), kind (3), compact, ascii.
  const uint32_t kind = (*state >> 2) & 7;
  const bool compact = (*state >> 5) & 1;
  const bool ascii = (*state >> 6) & 1;
  // Names and file names are compact: their characters follow the object.
  if (!compact || (kind != 1 && kind != 2 && kind != 4)) return std::nullopt;
  const uint64_t data =
      object + (ascii ? layout_.unicode_ascii_data : layout_.unicode_compact_data);
  std::string raw(static_cast<size_t>(*length) * kind, '\0');
  if (!raw.empty() && !memory_.ReadAll(data, raw.data(), raw.size())) return std::nullopt;
  if (ascii) return raw;
  std::string out;
  for (size_t i = 0; i < raw.size(); i += kind) {
    uint32_t c = 0;
    for (uint32_t b = 0; b < kind; ++b) c |= static_cast<uint32_t>(static_cast<uint8_t>(raw[i + b])) << (8 * b);
    AppendUtf8(c, &out);
  }
  return out;
}

const PythonCodeNames::Code* PythonCodeNames::Find(uint64_t code) {
  // The code object's fields up to its instructions, in one read: a stack
  // seen for the first time names each of its frames, and a code object
  // freed since may have left its address to another.
  std::string header(PythonCodeHeaderSize(layout_), '\0');
  if (!memory_.ReadAll(code, header.data(), header.size())) return nullptr;
  auto field = [&header](uint32_t offset, auto value) {
    if (offset + sizeof(value) <= header.size()) {
      std::memcpy(&value, header.data() + offset, sizeof(value));
    }
    return value;
  };
  if (field(layout_.object_type, uint64_t{0}) != types_.code) return nullptr;
  // Before 3.11 a code object has its name only.
  const uint32_t qualname = layout_.code_qualname ? layout_.code_qualname : layout_.code_name;
  const Key key = {code, field(qualname, uint64_t{0}),
                   field(layout_.code_filename, uint64_t{0}),
                   field(layout_.code_linetable, uint64_t{0}),
                   field(layout_.code_firstlineno, int32_t{0})};
  auto [it, inserted] = codes_.try_emplace(key);
  if (!inserted) return it->second ? &*it->second : nullptr;
  std::optional<std::string> name = Text(key.qualname);
  if (!name) return nullptr;
  Code c;
  c.qualname = *std::move(name);
  c.filename = Text(key.filename).value_or("");
  c.first_line = key.first_line;
  // Without its table a frame still has its function and first line.
  if (memory_.Read<uint64_t>(key.line_table + layout_.object_type) == types_.bytes) {
    const std::optional<int64_t> size =
        memory_.Read<int64_t>(key.line_table + layout_.var_object_size);
    if (size && *size > 0 && static_cast<uint64_t>(*size) <= kMaxLineTableBytes) {
      c.line_table.resize(static_cast<size_t>(*size));
      if (!memory_.ReadAll(key.line_table + layout_.bytes_data, c.line_table.data(),
                           c.line_table.size())) {
        c.line_table.clear();
      }
    }
  }
  it->second = std::move(c);
  return &*it->second;
}

std::optional<int> PythonCodeNames::LineOf(const Code& c, int offset) const {
  switch (layout_.line_table) {
    case PythonLineTableFormat::kLnotab:
      return PythonLnotabLineOf(c.line_table, c.first_line, offset);
    case PythonLineTableFormat::kLineTable310:
      return Python310LineOf(c.line_table, c.first_line, offset);
    case PythonLineTableFormat::kLocationTable:
      return PythonLineOf(c.line_table, c.first_line, offset);
  }
  return std::nullopt;
}

bool PythonCodeNames::Describe(uint64_t code, int instr, Frame* frame) {
  const Code* c = Find(code);
  if (c == nullptr) return false;
  frame->function = c->qualname;
  frame->source.file = c->filename;
  // The line of the instruction; else, as a traceback would have it
  // without one, the function's first.
  std::optional<int> line = instr < 0 ? c->first_line : LineOf(*c, instr * 2);
  const int shown = line.value_or(c->first_line);
  frame->source.line = shown > 0 ? static_cast<uint32_t>(shown) : 0;
  if (frame->source.line == 0) frame->source.file.clear();
  return true;
}

}  // namespace allocprof
