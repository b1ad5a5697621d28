#include "userspace/java/method_names.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "userspace/unwind/unwind_tables.h"

namespace allocprof {
namespace {

// Class and method names are short; a longer length is a misread.
constexpr uint16_t kMaxSymbolLength = 1024;

template <typename T>
std::optional<T> Read(pid_t pid, uint64_t addr) {
  T value{};
  if (addr == 0 || !ReadTargetMemory(pid, addr, &value, sizeof(value))) return std::nullopt;
  return value;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JavaMethodNames>> JavaMethodNames::ForJvm(
    pid_t pid, const ModuleMap& modules) {
  for (const Module& m : modules.modules()) {
    if (!absl::EndsWith(m.path, "/libjvm.so")) continue;
    const std::string path = modules.ElfPath(m);
    auto bias = LoadBias(path, m.start, m.file_offset);
    if (!bias.ok()) continue;
    auto structs = VmStructs::Read(pid, path, *bias);
    if (!structs.ok()) return structs.status();
    auto need = [&](const char* type, const char* field) -> absl::StatusOr<uint64_t> {
      if (auto off = structs->Offset(type, field)) return *off;
      return absl::NotFoundError(absl::StrCat("the JVM's VMStructs have no ", type, "::", field));
    };
    Layout l;
    absl::StatusOr<uint64_t> fields[] = {
        need("Method", "_constMethod"),      need("ConstMethod", "_constants"),
        need("ConstMethod", "_name_index"),  need("ConstantPool", "_pool_holder"),
        need("Klass", "_name"),              need("Symbol", "_length"),
    };
    for (const auto& f : fields) {
      if (!f.ok()) return f.status();
    }
    l.method_const_method = *fields[0];
    l.const_method_constants = *fields[1];
    l.const_method_name_index = *fields[2];
    l.constant_pool_holder = *fields[3];
    l.klass_name = *fields[4];
    l.symbol_length = *fields[5];
    auto body = structs->Offset("Symbol", "_body");
    if (!body) body = structs->Offset("Symbol", "_body[0]");
    auto cp_size = structs->Size("ConstantPool");
    if (!body || !cp_size) {
      return absl::NotFoundError("the JVM's VMStructs have no Symbol::_body or ConstantPool size");
    }
    l.symbol_body = *body;
    l.constant_pool_size = *cp_size;
    return std::unique_ptr<JavaMethodNames>(new JavaMethodNames(pid, l));
  }
  return absl::NotFoundError("no libjvm.so mapped");
}

std::optional<std::string> JavaMethodNames::SymbolText(uint64_t symbol) {
  auto length = Read<uint16_t>(pid_, symbol + layout_.symbol_length);
  if (!length || *length > kMaxSymbolLength) return std::nullopt;
  std::string text(*length, '\0');
  if (*length != 0 && !ReadTargetMemory(pid_, symbol + layout_.symbol_body, text.data(), *length)) {
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> JavaMethodNames::Name(uint64_t method) {
  auto [it, inserted] = names_.try_emplace(method);
  if (!inserted) return it->second;
  auto const_method = Read<uint64_t>(pid_, method + layout_.method_const_method);
  auto constants = const_method ? Read<uint64_t>(pid_, *const_method + layout_.const_method_constants)
                                : std::nullopt;
  auto name_index = const_method
                        ? Read<uint16_t>(pid_, *const_method + layout_.const_method_name_index)
                        : std::nullopt;
  auto holder = constants ? Read<uint64_t>(pid_, *constants + layout_.constant_pool_holder)
                          : std::nullopt;
  auto class_symbol = holder ? Read<uint64_t>(pid_, *holder + layout_.klass_name) : std::nullopt;
  // The constant pool's entries follow its header, one word each; a Utf8
  // entry is the Symbol*.
  auto name_symbol =
      constants && name_index
          ? Read<uint64_t>(pid_, *constants + layout_.constant_pool_size + 8 * *name_index)
          : std::nullopt;
  auto class_name = class_symbol ? SymbolText(*class_symbol) : std::nullopt;
  auto method_name = name_symbol ? SymbolText(*name_symbol) : std::nullopt;
  if (class_name && method_name) {
    std::replace(class_name->begin(), class_name->end(), '/', '.');
    it->second = absl::StrCat(*class_name, ".", *method_name);
  }
  return it->second;
}

}  // namespace allocprof
