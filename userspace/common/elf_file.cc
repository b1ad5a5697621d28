#include "userspace/common/elf_file.h"

#include <elfutils/libdwelf.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "userspace/common/target_file.h"

namespace allocprof {
namespace {

// Whether [offset, offset + size) lies inside a file of `file_size` bytes,
// without the sum overflowing.
bool InsideFile(uint64_t offset, uint64_t size, uint64_t file_size) {
  return offset <= file_size && size <= file_size - offset;
}

}  // namespace

absl::StatusOr<ElfFile> ElfFile::Open(absl::string_view path, uint64_t max_bytes) {
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(path, max_bytes);
  if (!fd.ok()) return fd.status();
  return FromFd(*std::move(fd), path);
}

absl::StatusOr<ElfFile> ElfFile::FromFd(UniqueFd fd, absl::string_view path) {
  if (elf_version(EV_CURRENT) == EV_NONE) return absl::InternalError("libelf is out of date");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot stat ", path));
  }
  Elf* elf = elf_begin(fd.get(), ELF_C_READ_MMAP, nullptr);
  // libelf takes any file: one that is not ELF comes back as ELF_K_NONE.
  if (elf == nullptr || elf_kind(elf) != ELF_K_ELF) {
    if (elf != nullptr) elf_end(elf);
    return absl::InvalidArgumentError(absl::StrCat(path, " is not an ELF file"));
  }
  ElfFile file(std::move(fd), elf, std::string(path), static_cast<uint64_t>(st.st_size));
  file.loads_ = file.Segments(PT_LOAD);
  return file;
}

ElfFile::ElfFile(UniqueFd fd, Elf* elf, std::string path, uint64_t size)
    : fd_(std::move(fd)), elf_(elf), path_(std::move(path)), size_(size) {}

ElfFile::ElfFile(ElfFile&& other) noexcept
    : fd_(std::move(other.fd_)),
      elf_(std::exchange(other.elf_, nullptr)),
      path_(std::move(other.path_)),
      size_(other.size_),
      loads_(std::move(other.loads_)) {}

ElfFile& ElfFile::operator=(ElfFile&& other) noexcept {
  if (this == &other) return *this;
  if (elf_ != nullptr) elf_end(elf_);
  // The Elf first: it reads through the descriptor replaced next.
  elf_ = std::exchange(other.elf_, nullptr);
  fd_ = std::move(other.fd_);
  path_ = std::move(other.path_);
  size_ = other.size_;
  loads_ = std::move(other.loads_);
  return *this;
}

ElfFile::~ElfFile() {
  if (elf_ != nullptr) elf_end(elf_);
}

absl::StatusOr<std::vector<GElf_Phdr>> ElfFile::ProgramHeaders() const {
  auto unreadable = [this] {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read program headers of ", path_, ": ", elf_errmsg(-1)));
  };
  size_t count = 0;
  if (elf_getphdrnum(elf_, &count) != 0) return unreadable();
  std::vector<GElf_Phdr> headers(count);
  for (size_t i = 0; i < count; ++i) {
    if (gelf_getphdr(elf_, static_cast<int>(i), &headers[i]) == nullptr) return unreadable();
  }
  return headers;
}

std::vector<GElf_Phdr> ElfFile::Segments(uint32_t type) const {
  std::vector<GElf_Phdr> out;
  size_t count = 0;
  if (elf_getphdrnum(elf_, &count) != 0) return out;
  for (size_t i = 0; i < count; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf_, static_cast<int>(i), &ph) != nullptr && ph.p_type == type) {
      out.push_back(ph);
    }
  }
  return out;
}

std::vector<ElfSection> ElfFile::Sections() const {
  std::vector<ElfSection> out;
  size_t names = 0;
  const bool named = elf_getshdrstrndx(elf_, &names) == 0;
  for (Elf_Scn* scn = elf_nextscn(elf_, nullptr); scn != nullptr; scn = elf_nextscn(elf_, scn)) {
    ElfSection section;
    section.scn = scn;
    if (gelf_getshdr(scn, &section.header) == nullptr) continue;
    const char* name = named ? elf_strptr(elf_, names, section.header.sh_name) : nullptr;
    if (name != nullptr) section.name = name;
    out.push_back(section);
  }
  return out;
}

std::optional<ElfSection> ElfFile::FindSection(absl::string_view name, uint32_t type) const {
  for (const ElfSection& section : Sections()) {
    if (section.header.sh_type == type && section.name == name) return section;
  }
  return std::nullopt;
}

Elf_Data* ElfFile::RawData(const ElfSection& section) const {
  const GElf_Shdr& h = section.header;
  if (h.sh_type == SHT_NOBITS || !InsideFile(h.sh_offset, h.sh_size, size_)) return nullptr;
  return elf_rawdata(section.scn, nullptr);
}

Elf_Data* ElfFile::RawChunk(uint64_t offset, uint64_t size) const {
  if (!InsideFile(offset, size, size_)) return nullptr;
  return elf_getdata_rawchunk(elf_, static_cast<int64_t>(offset), size, ELF_T_BYTE);
}

void ElfFile::ForEachDefinedSymbol(
    std::initializer_list<uint32_t> table_types,
    absl::FunctionRef<void(absl::string_view name, const GElf_Sym& symbol)> visit) const {
  for (Elf_Scn* scn = elf_nextscn(elf_, nullptr); scn != nullptr; scn = elf_nextscn(elf_, scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_entsize == 0) continue;
    bool wanted = false;
    for (uint32_t type : table_types) wanted |= sh.sh_type == type;
    if (!wanted) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) continue;
    // By what libelf read, not the header's sh_size: a huge one would make
    // this loop run for ever.
    const size_t count = data->d_size / sh.sh_entsize;
    for (size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr || sym.st_shndx == SHN_UNDEF) {
        continue;
      }
      const char* name = elf_strptr(elf_, sh.sh_link, sym.st_name);
      if (name != nullptr) visit(name, sym);
    }
  }
}

std::string ElfFile::BuildId() const {
  const void* bits = nullptr;
  const ssize_t size = dwelf_elf_gnu_build_id(elf_, &bits);
  if (size <= 0 || bits == nullptr) return "";
  std::string hex;
  hex.reserve(2 * static_cast<size_t>(size));
  const auto* bytes = static_cast<const unsigned char*>(bits);
  for (ssize_t i = 0; i < size; ++i) absl::StrAppend(&hex, absl::Hex(bytes[i], absl::kZeroPad2));
  return hex;
}

std::optional<uint64_t> ElfFile::VaddrToOffset(uint64_t vaddr) const {
  for (const GElf_Phdr& ph : loads_) {
    if (vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz) {
      return vaddr - ph.p_vaddr + ph.p_offset;
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> ElfFile::OffsetToVaddr(uint64_t offset) const {
  for (const GElf_Phdr& ph : loads_) {
    if (offset >= ph.p_offset && offset - ph.p_offset < ph.p_filesz) {
      return offset - ph.p_offset + ph.p_vaddr;
    }
  }
  return std::nullopt;
}

absl::StatusOr<uint64_t> ElfFile::LoadBias(uint64_t start, uint64_t file_offset) const {
  for (const GElf_Phdr& ph : loads_) {
    // The mapping may start up to a page below its segment's bytes.
    const uint64_t first = ph.p_offset & ~uint64_t{4095};
    if (file_offset >= first &&
        (file_offset < ph.p_offset || file_offset - ph.p_offset < ph.p_filesz)) {
      return start - file_offset + ph.p_offset - ph.p_vaddr;
    }
  }
  return absl::NotFoundError(
      absl::StrCat("no segment of ", path_, " at offset 0x", absl::Hex(file_offset)));
}

std::string ReadBuildId(absl::string_view path) {
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, kMaxElfBytes);
  return file.ok() ? file->BuildId() : "";
}

absl::StatusOr<uint64_t> LoadBias(absl::string_view path, uint64_t start, uint64_t file_offset) {
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, kMaxElfBytes);
  if (!file.ok()) return file.status();
  return file->LoadBias(start, file_offset);
}

}  // namespace allocprof
