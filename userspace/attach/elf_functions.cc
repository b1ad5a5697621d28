#include "userspace/attach/elf_functions.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "userspace/common/target_file.h"

namespace allocprof {
namespace {

// The file offset of virtual address `vaddr`, through the PT_LOAD segment
// that maps it; uprobes are placed by file offset.
bool VaddrToOffset(const std::vector<GElf_Phdr>& loads, uint64_t vaddr,
                   uint64_t* offset) {
  for (const GElf_Phdr& ph : loads) {
    if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
      *offset = vaddr - ph.p_vaddr + ph.p_offset;
      return true;
    }
  }
  return false;
}

// An open ELF file; closed with its owner.
class ElfFile {
 public:
  static absl::StatusOr<std::unique_ptr<ElfFile>> Open(const std::string& path) {
    elf_version(EV_CURRENT);
    // The target's allocator library, through its root.
    absl::StatusOr<UniqueFd> fd = OpenTargetFile(path, kMaxElfBytes);
    if (!fd.ok()) return fd.status();
    Elf* elf = elf_begin(fd->get(), ELF_C_READ_MMAP, nullptr);
    if (elf == nullptr || elf_kind(elf) != ELF_K_ELF) {
      if (elf) elf_end(elf);
      return absl::InvalidArgumentError(absl::StrCat(path, " is not an ELF file"));
    }
    return std::unique_ptr<ElfFile>(new ElfFile(*std::move(fd), elf));
  }
  ~ElfFile() { elf_end(elf_); }
  Elf* elf() const { return elf_; }

  std::vector<GElf_Phdr> Segments(uint32_t type) const {
    std::vector<GElf_Phdr> out;
    size_t phnum = 0;
    elf_getphdrnum(elf_, &phnum);
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf_, i, &ph) && ph.p_type == type) out.push_back(ph);
    }
    return out;
  }

 private:
  ElfFile(UniqueFd fd, Elf* elf) : fd_(std::move(fd)), elf_(elf) {}
  UniqueFd fd_;  // outlives elf_, which reads through it
  Elf* elf_;
};

}  // namespace

absl::StatusOr<absl::flat_hash_map<std::string, ElfFunction>> FindFunctions(
    const std::string& path, const absl::flat_hash_set<std::string>& names) {
  auto file = ElfFile::Open(path);
  if (!file.ok()) return file.status();
  Elf* elf = (*file)->elf();
  std::vector<GElf_Phdr> loads = (*file)->Segments(PT_LOAD);

  absl::flat_hash_map<std::string, ElfFunction> found;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) ||
        (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB) ||
        sh.sh_entsize == 0) {
      continue;
    }
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data) continue;
    // By what libelf read, not the header's claim: sh_size is the file's to
    // say, and a huge one would make this loop run for ever.
    size_t count = data->d_size / sh.sh_entsize;
    for (size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF ||
          sym.st_value == 0 || GELF_ST_TYPE(sym.st_info) != STT_FUNC) {
        continue;
      }
      const char* raw = elf_strptr(elf, sh.sh_link, sym.st_name);
      if (!raw) continue;
      absl::string_view name(raw);
      name = name.substr(0, name.find('@'));
      auto wanted = names.find(name);
      if (wanted == names.end() || found.contains(*wanted)) continue;
      uint64_t offset;
      if (VaddrToOffset(loads, sym.st_value, &offset)) {
        found[*wanted] = ElfFunction{offset, sym.st_value, sym.st_size};
      }
    }
  }
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
