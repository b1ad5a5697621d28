#include "userspace/java/method_names.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "userspace/java/compressed_stream.h"

namespace allocprof {
namespace {

// Class and method names are short; a longer length is a misread.
constexpr uint16_t kMaxSymbolLength = 1024;
// Enough of a line number table for methods of thousands of lines.
constexpr size_t kMaxLineTableBytes = 16384;
// CompressedLineNumberReadStream: 0 ends the table, 0xff escapes a pair
// of signed ints; any other byte is bci += b >> 3, line += b & 7.
constexpr uint8_t kLineTableEnd = 0, kLineTableEscape = 0xff;

// One field type of a descriptor at text[*pos], as Java source writes it.
std::optional<std::string> FieldType(absl::string_view text, size_t* pos) {
  int dimensions = 0;
  while (*pos < text.size() && text[*pos] == '[') {
    ++dimensions;
    ++*pos;
  }
  if (*pos >= text.size()) return std::nullopt;
  std::string type;
  switch (text[(*pos)++]) {
    case 'B': type = "byte"; break;
    case 'C': type = "char"; break;
    case 'D': type = "double"; break;
    case 'F': type = "float"; break;
    case 'I': type = "int"; break;
    case 'J': type = "long"; break;
    case 'S': type = "short"; break;
    case 'Z': type = "boolean"; break;
    case 'L': {
      const size_t end = text.find(';', *pos);
      if (end == absl::string_view::npos) return std::nullopt;
      type = std::string(text.substr(*pos, end - *pos));
      std::replace(type.begin(), type.end(), '/', '.');
      *pos = end + 1;
      break;
    }
    default:
      return std::nullopt;
  }
  for (int i = 0; i < dimensions; ++i) type += "[]";
  return type;
}

}  // namespace

std::optional<std::string> JavaArgumentList(absl::string_view descriptor) {
  if (descriptor.empty() || descriptor[0] != '(') return std::nullopt;
  std::vector<std::string> arguments;
  size_t pos = 1;
  while (pos < descriptor.size() && descriptor[pos] != ')') {
    auto type = FieldType(descriptor, &pos);
    if (!type) return std::nullopt;
    arguments.push_back(*std::move(type));
  }
  if (pos >= descriptor.size()) return std::nullopt;
  return absl::StrCat("(", absl::StrJoin(arguments, ", "), ")");
}

absl::StatusOr<JavaMethodNames::Layout> JavaMethodNames::Layout::From(
    const VmStructs& structs) {
  VmLayoutReader r(structs);
  Layout l;
  l.method_const_method = r.Offset("Method", "_constMethod");
  l.const_method_size = r.Size("ConstMethod");
  l.const_method_constants = r.Offset("ConstMethod", "_constants");
  l.const_method_flags = r.Offset("ConstMethod", "_flags");
  l.const_method_code_size = r.Offset("ConstMethod", "_code_size");
  l.const_method_name_index = r.Offset("ConstMethod", "_name_index");
  l.const_method_signature_index = r.Offset("ConstMethod", "_signature_index");
  l.has_line_number_table =
      static_cast<uint16_t>(r.IntConstant("ConstMethod::_has_linenumber_table"));
  l.constant_pool_size = r.Size("ConstantPool");
  l.constant_pool_holder = r.Offset("ConstantPool", "_pool_holder");
  l.constant_pool_source_file_index = r.Offset("ConstantPool", "_source_file_name_index");
  l.klass_name = r.Offset("Klass", "_name");
  l.symbol_length = r.Offset("Symbol", "_length");
  // Named "_body" in some builds, "_body[0]" in others.
  l.symbol_body = structs.Offset("Symbol", "_body").has_value() ? r.Offset("Symbol", "_body")
                                                                  : r.Offset("Symbol", "_body[0]");
  if (!r.status().ok()) return r.status();
  return l;
}

std::optional<std::string> JavaMethodNames::SymbolText(uint64_t symbol) {
  auto length = memory_.Read<uint16_t>(symbol + layout_.symbol_length);
  if (!length || *length > kMaxSymbolLength) return std::nullopt;
  std::string text(*length, '\0');
  if (*length != 0 && !memory_.ReadAll(symbol + layout_.symbol_body, text.data(), *length)) {
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> JavaMethodNames::PoolText(uint64_t constants, uint16_t index) {
  auto symbol = memory_.Read<uint64_t>(constants + layout_.constant_pool_size + 8 * index);
  return symbol ? SymbolText(*symbol) : std::nullopt;
}

const JavaMethodNames::Method* JavaMethodNames::Find(uint64_t method) {
  auto [it, inserted] = methods_.try_emplace(method);
  if (!inserted) return it->second ? &*it->second : nullptr;
  auto const_method = memory_.Read<uint64_t>(method + layout_.method_const_method);
  if (!const_method) return nullptr;
  const uint64_t cm = *const_method;
  auto constants = memory_.Read<uint64_t>(cm + layout_.const_method_constants);
  auto name_index = memory_.Read<uint16_t>(cm + layout_.const_method_name_index);
  auto signature_index = memory_.Read<uint16_t>(cm + layout_.const_method_signature_index);
  auto flags = memory_.Read<uint16_t>(cm + layout_.const_method_flags);
  auto code_size = memory_.Read<uint16_t>(cm + layout_.const_method_code_size);
  if (!constants || !name_index || !signature_index || !flags || !code_size) return nullptr;
  auto holder = memory_.Read<uint64_t>(*constants + layout_.constant_pool_holder);
  auto class_symbol = holder ? memory_.Read<uint64_t>(*holder + layout_.klass_name)
                             : std::nullopt;
  auto class_name = class_symbol ? SymbolText(*class_symbol) : std::nullopt;
  auto method_name = PoolText(*constants, *name_index);
  if (!class_name || !method_name) return nullptr;
  std::replace(class_name->begin(), class_name->end(), '/', '.');
  auto signature = PoolText(*constants, *signature_index);
  auto arguments = signature ? JavaArgumentList(*signature) : std::nullopt;
  Method m;
  m.name = absl::StrCat(*class_name, ".", *method_name, arguments.value_or("()"));
  if (auto file_index =
          memory_.Read<uint16_t>(*constants + layout_.constant_pool_source_file_index);
      file_index && *file_index != 0) {
    m.source_file = PoolText(*constants, *file_index).value_or("");
  }
  // The bytecodes follow the ConstMethod, the line number table them.
  m.code = cm + layout_.const_method_size;
  m.code_size = *code_size;
  if (*flags & layout_.has_line_number_table) m.line_table = m.code + *code_size;
  it->second = std::move(m);
  return &*it->second;
}

std::optional<std::string> JavaMethodNames::Name(uint64_t method) {
  const Method* m = Find(method);
  if (m == nullptr) return std::nullopt;
  return m->name;
}

std::optional<int> JavaMethodNames::BciOf(uint64_t method, uint16_t bcp_low16) {
  const Method* m = Find(method);
  if (m == nullptr) return std::nullopt;
  const int bci = static_cast<uint16_t>(bcp_low16 - static_cast<uint16_t>(m->code));
  if (bci >= m->code_size) return std::nullopt;
  return bci;
}

SourceLine JavaMethodNames::Line(uint64_t method, int bci) {
  const Method* m = Find(method);
  if (m == nullptr || m->line_table == 0 || bci < 0 || bci >= m->code_size) return {};
  const std::vector<uint8_t> table = memory_.ReadBytes(m->line_table, kMaxLineTableBytes);
  // As Method::line_number_from_bci: the entry for `bci`, or else the
  // last one that starts before it.
  int32_t at_bci = 0, line = 0, best_bci = 0, best_line = -1;
  for (size_t pos = 0; pos < table.size() && table[pos] != kLineTableEnd;) {
    const uint8_t b = table[pos++];
    if (b == kLineTableEscape) {
      if (!line_encoding_) return {};
      auto bci_delta = ReadCompressedSignedInt(table.data(), table.size(), &pos, *line_encoding_);
      auto line_delta = ReadCompressedSignedInt(table.data(), table.size(), &pos, *line_encoding_);
      if (!bci_delta || !line_delta) break;
      at_bci += *bci_delta;
      line += *line_delta;
    } else {
      at_bci += b >> 3;
      line += b & 7;
    }
    if (at_bci == bci) {
      best_line = line;
      break;
    }
    if (at_bci < bci && at_bci >= best_bci) {
      best_bci = at_bci;
      best_line = line;
    }
  }
  if (best_line <= 0) return {};
  return {m->source_file, static_cast<uint32_t>(best_line)};
}

}  // namespace allocprof
