#include "userspace/symbols/elf_symbols.h"

#include <bcc/bcc_elf.h>
#include <bcc/bcc_syms.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "userspace/common/elf_file.h"
#include "userspace/common/target_file.h"

namespace allocprof {
namespace {

absl::Status ReadLayout(const ElfFile& file, std::vector<ElfSymbols::Segment>* segments,
                        std::vector<ElfSymbols::Section>* sections) {
  absl::StatusOr<std::vector<GElf_Phdr>> headers = file.ProgramHeaders();
  if (!headers.ok()) return headers.status();
  for (const GElf_Phdr& phdr : *headers) {
    if (phdr.p_type != PT_LOAD || (phdr.p_flags & PF_X) == 0) continue;
    segments->push_back({phdr.p_offset, phdr.p_filesz, phdr.p_vaddr, phdr.p_memsz});
  }
  // Section headers are optional at run time (sstrip removes them); a file
  // without them still symbolizes, with segment bounds.
  for (const ElfSection& section : file.Sections()) {
    const GElf_Shdr& shdr = section.header;
    if ((shdr.sh_flags & SHF_ALLOC) == 0 || (shdr.sh_flags & SHF_EXECINSTR) == 0 ||
        shdr.sh_size == 0) {
      continue;
    }
    sections->push_back({shdr.sh_addr, shdr.sh_size});
  }
  return absl::OkStatus();
}

// Whether BCC may walk the symbol tables of `file`: it divides by each
// table's entry size and follows its string table link without checking
// either, so a crafted object would crash allocprof. Checked here, with
// libelf, on the descriptor BCC is given.
absl::Status CheckSymbolTables(const ElfFile& file) {
  Elf* elf = file.elf();
  const std::string& path = file.path();
  if (gelf_getclass(elf) != ELFCLASS64) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a 64-bit ELF file"));
  }
  auto unreadable = [&path] {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read section headers of ", path, ": ", elf_errmsg(-1)));
  };
  size_t sections = 0;
  if (elf_getshdrnum(elf, &sections) != 0) return unreadable();
  const uint64_t file_size = file.size();
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) return unreadable();
    if (shdr.sh_type != SHT_SYMTAB && shdr.sh_type != SHT_DYNSYM) continue;
    GElf_Shdr strings;
    Elf_Scn* link = shdr.sh_link < sections ? elf_getscn(elf, shdr.sh_link) : nullptr;
    if (shdr.sh_entsize != sizeof(Elf64_Sym) || shdr.sh_offset > file_size ||
        shdr.sh_size > file_size - shdr.sh_offset || link == nullptr ||
        gelf_getshdr(link, &strings) == nullptr || strings.sh_type != SHT_STRTAB ||
        strings.sh_offset > file_size || strings.sh_size > file_size - strings.sh_offset) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": malformed symbol table (entry size ", shdr.sh_entsize,
                       ", link ", shdr.sh_link, "); its symbols are not read"));
    }
  }
  return absl::OkStatus();
}

int CollectSymbol(const char* name, uint64_t vaddr, uint64_t size,
                  void* payload) {
  static_cast<std::vector<ElfSymbols::Symbol>*>(payload)->push_back(
      {vaddr, size, name});
  return 0;
}

size_t LeadingUnderscores(const std::string& name) {
  size_t n = name.find_first_not_of('_');
  return n == std::string::npos ? name.size() : n;
}

}  // namespace

bool PreferredAlias(const ElfSymbols::Symbol& a, const ElfSymbols::Symbol& b) {
  bool a_sized = a.size != 0, b_sized = b.size != 0;
  if (a_sized != b_sized) return a_sized;
  size_t a_under = LeadingUnderscores(a.name);
  size_t b_under = LeadingUnderscores(b.name);
  if (a_under != b_under) return a_under < b_under;
  if (a.name.size() != b.name.size()) return a.name.size() < b.name.size();
  return a.name < b.name;
}

absl::StatusOr<std::unique_ptr<ElfSymbols>> ElfSymbols::Load(
    const std::string& path, const std::string& debug_path) {
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, kMaxElfBytes);
  if (!file.ok()) return file.status();
  std::vector<Segment> segments;
  std::vector<Section> sections;
  absl::Status layout = ReadLayout(*file, &segments, &sections);
  if (!layout.ok()) return layout;

  // BCC opens what it is given by path, and would look for a debug file
  // itself, by a .gnu_debuglink name that the target wrote (it may hold
  // "..") beside `path` and on the host: it gets our checked descriptor
  // instead, and the debug file the caller found and checked the same way.
  bcc_symbol_option option = {};
  option.use_debug_file = 0;
  option.check_debug_file_crc = 0;
  option.lazy_symbolize = 0;
  option.use_symbol_type = (1u << STT_FUNC) | (1u << STT_GNU_IFUNC);
  std::vector<Symbol> symbols;
  absl::Status sound = CheckSymbolTables(*file);
  if (!sound.ok()) return sound;
  if (bcc_elf_foreach_sym(FdPath(file->fd()).c_str(), CollectSymbol, &option,
                          &symbols) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the symbol table of ", path));
  }
  if (!debug_path.empty() && debug_path != path) {
    // A debug file that cannot be read leaves the object's own symbols.
    absl::StatusOr<ElfFile> debug = ElfFile::Open(debug_path, kMaxDebugFileBytes);
    if (debug.ok() && CheckSymbolTables(*debug).ok()) {
      bcc_elf_foreach_sym(FdPath(debug->fd()).c_str(), CollectSymbol, &option,
                          &symbols);
    }
  }
  return std::make_unique<ElfSymbols>(std::move(segments),
                                      std::move(sections), std::move(symbols));
}

ElfSymbols::ElfSymbols(std::vector<Segment> segments,
                       std::vector<Section> sections,
                       std::vector<Symbol> symbols)
    : segments_(std::move(segments)), sections_(std::move(sections)) {
  // By address, the preferred alias first, so the first of each run of
  // equal addresses is the one kept. .dynsym and .symtab (and a debug
  // file) list most functions more than once.
  std::sort(symbols.begin(), symbols.end(),
            [](const Symbol& a, const Symbol& b) {
              if (a.vaddr != b.vaddr) return a.vaddr < b.vaddr;
              return PreferredAlias(a, b);
            });
  for (Symbol& s : symbols) {
    if (!symbols_.empty() && symbols_.back().vaddr == s.vaddr) continue;
    symbols_.push_back(std::move(s));
  }
  std::sort(sections_.begin(), sections_.end(),
            [](const Section& a, const Section& b) { return a.vaddr < b.vaddr; });
}

std::optional<uint64_t> ElfSymbols::FileOffsetToVaddr(
    uint64_t file_offset) const {
  for (const Segment& s : segments_) {
    if (file_offset >= s.file_offset &&
        file_offset - s.file_offset < s.file_size) {
      return file_offset - s.file_offset + s.vaddr;
    }
  }
  return std::nullopt;
}

uint64_t ElfSymbols::ZeroSizeBound(uint64_t vaddr) const {
  if (!sections_.empty()) {
    for (const Section& s : sections_) {
      if (vaddr >= s.vaddr && vaddr - s.vaddr < s.size) return s.vaddr + s.size;
    }
    return 0;
  }
  for (const Segment& s : segments_) {
    if (vaddr >= s.vaddr && vaddr - s.vaddr < s.mem_size) {
      return s.vaddr + s.mem_size;
    }
  }
  return 0;
}

const ElfSymbols::Symbol* ElfSymbols::FindFunction(uint64_t vaddr) const {
  auto it = std::upper_bound(
      symbols_.begin(), symbols_.end(), vaddr,
      [](uint64_t a, const Symbol& s) { return a < s.vaddr; });
  if (it == symbols_.begin()) return nullptr;
  const Symbol& s = *--it;
  if (s.size != 0) return vaddr - s.vaddr < s.size ? &s : nullptr;
  // The next symbol, if any, already starts above vaddr (upper_bound).
  return vaddr < ZeroSizeBound(s.vaddr) ? &s : nullptr;
}

}  // namespace allocprof
