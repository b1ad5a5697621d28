#include "userspace/common/dynamic_symbols.h"

#include <gelf.h>
#include <libelf.h>

#include "absl/strings/str_cat.h"
#include "userspace/common/target_file.h"

namespace allocprof {

absl::StatusOr<absl::flat_hash_map<std::string, DynamicSymbol>> ReadDynamicSymbols(
    const std::string& path, const std::vector<std::string>& names) {
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(path, kMaxElfBytes);
  if (!fd.ok()) return fd.status();
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd->get(), ELF_C_READ_MMAP, nullptr);
  if (elf == nullptr) return absl::InvalidArgumentError(absl::StrCat(path, " is not ELF"));
  absl::flat_hash_map<std::string, DynamicSymbol> found;
  for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn)) != nullptr;) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    // By what libelf read, not the header's sh_size, which the file sets.
    const size_t count = sh.sh_entsize && data ? data->d_size / sh.sh_entsize : 0;
    for (size_t i = 0; data && i < count; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(i), &sym) || sym.st_shndx == SHN_UNDEF) continue;
      const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
      if (name == nullptr) continue;
      for (const std::string& want : names) {
        if (want == name) found[want] = {sym.st_value, sym.st_size};
      }
    }
  }
  elf_end(elf);
  return found;
}

}  // namespace allocprof
