#include "userspace/attach/elf_functions.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "userspace/common/elf_file.h"
#include "userspace/common/target_file.h"

namespace allocprof {

absl::StatusOr<absl::flat_hash_map<std::string, ElfFunction>> FindFunctions(
    const std::string& path, const absl::flat_hash_set<std::string>& names) {
  // The target's allocator library, through its root.
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, kMaxElfBytes);
  if (!file.ok()) return file.status();
  absl::flat_hash_map<std::string, ElfFunction> found;
  file->ForEachDefinedSymbol(
      {SHT_DYNSYM, SHT_SYMTAB}, [&](absl::string_view name, const GElf_Sym& sym) {
        if (sym.st_value == 0 || GELF_ST_TYPE(sym.st_info) != STT_FUNC) return;
        name = name.substr(0, name.find('@'));
        auto wanted = names.find(name);
        if (wanted == names.end() || found.contains(*wanted)) return;
        // Uprobes are placed by file offset.
        if (std::optional<uint64_t> offset = file->VaddrToOffset(sym.st_value)) {
          found[*wanted] = ElfFunction{*offset, sym.st_value, sym.st_size};
        }
      });
  return found;
}

absl::StatusOr<std::vector<uint8_t>> ReadFunctionCode(const std::string& path,
                                                      const ElfFunction& function,
                                                      size_t max_bytes) {
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(path, kMaxElfBytes);
  if (!fd.ok()) return fd.status();
  std::vector<uint8_t> code(function.size == 0 ? 64 : std::min<uint64_t>(function.size, max_bytes));
  ssize_t n = pread(fd->get(), code.data(), code.size(), static_cast<off_t>(function.file_offset));
  if (n < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
  code.resize(static_cast<size_t>(n));
  return code;
}

}  // namespace allocprof
