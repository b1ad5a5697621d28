// The one owner of an open ELF file: every reader of the target's objects
// and debug files (symbols, source lines, CFI rows, debug links, return
// slots, probe offsets, runtime structures) opens it here, through
// target_file.h's checks, and asks it for headers, sections, the build ID
// and the mapping between virtual addresses and file offsets. Everything in
// the file is the target's to write, so each range it gives is checked to
// lie inside the file.
#ifndef ALLOCPROF_USERSPACE_COMMON_ELF_FILE_H_
#define ALLOCPROF_USERSPACE_COMMON_ELF_FILE_H_

#include <gelf.h>
#include <libelf.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {

// A section header with its name; `name` points into the file's string
// table and lives as long as the ElfFile ("" when the table names none).
struct ElfSection {
  Elf_Scn* scn = nullptr;
  GElf_Shdr header = {};
  absl::string_view name;
};

class ElfFile {
 public:
  // Opens `path` with OpenTargetFile(path, max_bytes) (a FIFO, a device, a
  // file over the cap or a link out of the target's root is refused, as
  // there) and reads it with libelf. InvalidArgument for a file that is not
  // ELF.
  static absl::StatusOr<ElfFile> Open(absl::string_view path, uint64_t max_bytes);
  // The same from a descriptor OpenTargetFile() already checked; `path`
  // names it in messages.
  static absl::StatusOr<ElfFile> FromFd(UniqueFd fd, absl::string_view path);

  ElfFile(ElfFile&& other) noexcept;
  ElfFile& operator=(ElfFile&& other) noexcept;
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;
  ~ElfFile();

  // For libelf and libdw calls of the caller's own (symbol tables, CFI,
  // DWARF); valid while this object lives.
  Elf* elf() const { return elf_; }
  const UniqueFd& fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // The file's size when it was opened: what every range is checked against.
  uint64_t size() const { return size_; }

  // All program headers; an error when their table cannot be read.
  absl::StatusOr<std::vector<GElf_Phdr>> ProgramHeaders() const;
  // The readable program headers of type `type` (PT_LOAD, PT_NOTE ...).
  std::vector<GElf_Phdr> Segments(uint32_t type) const;

  // Every readable section header, in file order. A file without section
  // headers (sstrip'd) has none.
  std::vector<ElfSection> Sections() const;
  // The first section named `name` of type `type`, if any.
  std::optional<ElfSection> FindSection(absl::string_view name, uint32_t type) const;
  // The bytes of `section` as stored (a compressed one stays compressed);
  // null for SHT_NOBITS, or when its offset and size run past the end of
  // the file.
  Elf_Data* RawData(const ElfSection& section) const;
  // `size` bytes at file offset `offset`; null when they run past the end.
  Elf_Data* RawChunk(uint64_t offset, uint64_t size) const;

  // Calls `visit` with each defined symbol (st_shndx != SHN_UNDEF) and its
  // name, from the symbol tables of the types in `table_types` (SHT_SYMTAB,
  // SHT_DYNSYM) in file order. The count comes from what libelf read, not
  // the header's sh_size, which the file sets.
  void ForEachDefinedSymbol(
      std::initializer_list<uint32_t> table_types,
      absl::FunctionRef<void(absl::string_view name, const GElf_Sym& symbol)> visit) const;

  // The GNU build ID in lowercase hex (libdw's dwelf_elf_gnu_build_id:
  // SHT_NOTE sections, else PT_NOTE segments); "" when there is none.
  std::string BuildId() const;

  // File offset <-> ELF virtual address, through the PT_LOAD segment whose
  // file bytes hold it; nullopt when none does.
  std::optional<uint64_t> VaddrToOffset(uint64_t vaddr) const;
  std::optional<uint64_t> OffsetToVaddr(uint64_t offset) const;

  // The load bias of a mapping of this file that starts at address `start`
  // and maps file offset `file_offset`: mapped address - ELF virtual
  // address. A mapping starts on the page boundary at or below its
  // segment's offset. NotFound when no PT_LOAD segment holds `file_offset`.
  absl::StatusOr<uint64_t> LoadBias(uint64_t start, uint64_t file_offset) const;

 private:
  ElfFile(UniqueFd fd, Elf* elf, std::string path, uint64_t size);

  UniqueFd fd_;  // outlives elf_, which reads through it
  Elf* elf_ = nullptr;
  std::string path_;
  uint64_t size_ = 0;
  std::vector<GElf_Phdr> loads_;  // PT_LOAD headers, read once
};

// The build ID of the mapped object at `path` (opened as ElfFile::Open does
// with kMaxElfBytes); "" when it has none or cannot be read.
std::string ReadBuildId(absl::string_view path);

// ElfFile::LoadBias of the mapped object at `path`.
absl::StatusOr<uint64_t> LoadBias(absl::string_view path, uint64_t start, uint64_t file_offset);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_COMMON_ELF_FILE_H_
