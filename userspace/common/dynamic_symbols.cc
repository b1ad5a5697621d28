#include "userspace/common/dynamic_symbols.h"

#include "userspace/common/elf_file.h"
#include "userspace/common/target_file.h"

namespace allocprof {

absl::StatusOr<absl::flat_hash_map<std::string, DynamicSymbol>> ReadDynamicSymbols(
    const std::string& path, const std::vector<std::string>& names) {
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, kMaxElfBytes);
  if (!file.ok()) return file.status();
  absl::flat_hash_map<std::string, DynamicSymbol> found;
  file->ForEachDefinedSymbol({SHT_DYNSYM}, [&](absl::string_view name, const GElf_Sym& sym) {
    for (const std::string& want : names) {
      if (want == name) found[want] = {sym.st_value, sym.st_size};
    }
  });
  return found;
}

}  // namespace allocprof
