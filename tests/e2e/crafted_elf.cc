#include "tests/e2e/crafted_elf.h"

#include <elf.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace allocprof::e2e {
namespace {

// .eh_frame_hdr as every x86-64 linker writes it: version 1, the .eh_frame
// pointer pc-relative sdata4, the count udata4, the table datarel sdata4.
constexpr unsigned char kEhFrameHdrStart[] = {1, 0x1b, 0x03, 0x3b};
constexpr size_t kFdeCountOffset = 8;
// Almost 4 GiB: rows keep 32-bit addresses, so past this the segment would
// be refused for its address alone.
constexpr uint64_t kHugeSegment = 0xfff00000;

bool Load(const std::string& path, std::string* bytes, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  *bytes = all.str();
  Elf64_Ehdr eh;
  if (bytes->size() < sizeof(eh)) {
    *error = path + " is too short for an ELF header";
    return false;
  }
  std::memcpy(&eh, bytes->data(), sizeof(eh));
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_phentsize != sizeof(Elf64_Phdr) ||
      eh.e_phoff + uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr) > bytes->size()) {
    *error = path + " is not a 64-bit ELF object with program headers";
    return false;
  }
  return true;
}

// The program headers of `bytes`, checked by Load, in place.
Elf64_Phdr* Phdrs(std::string* bytes, size_t* count) {
  Elf64_Ehdr eh;
  std::memcpy(&eh, bytes->data(), sizeof(eh));
  *count = eh.e_phnum;
  return reinterpret_cast<Elf64_Phdr*>(bytes->data() + eh.e_phoff);
}

// Gives the copy a build ID of its own, `tag` in each byte: allocprof knows
// an object by its build ID, so a copy that kept it would be taken for the
// original (or another copy).
bool ChangeBuildId(std::string* bytes, char tag, std::string* error) {
  size_t count = 0;
  const Elf64_Phdr* ph = Phdrs(bytes, &count);
  for (size_t i = 0; i < count; ++i) {
    if (ph[i].p_type != PT_NOTE || ph[i].p_offset + ph[i].p_filesz > bytes->size()) continue;
    const uint64_t end = ph[i].p_offset + ph[i].p_filesz;
    for (uint64_t at = ph[i].p_offset; at + sizeof(Elf64_Nhdr) <= end;) {
      Elf64_Nhdr note;
      std::memcpy(&note, bytes->data() + at, sizeof(note));
      const uint64_t name_at = at + sizeof(note);
      const uint64_t desc_at = name_at + ((note.n_namesz + 3) & ~3u);
      if (desc_at + note.n_descsz > bytes->size()) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          std::memcmp(bytes->data() + name_at, "GNU", 4) == 0) {
        for (uint32_t k = 0; k < note.n_descsz; ++k) (*bytes)[desc_at + k] = tag;
        return true;
      }
      at = desc_at + ((note.n_descsz + 3) & ~3u);
    }
  }
  *error = "no GNU build ID note";
  return false;
}

bool Store(const std::string& bytes, const std::string& path, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out || chmod(path.c_str(), 0755) != 0) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace

bool CraftFdeCount(const std::string& from, const std::string& to, std::string* error) {
  std::string bytes;
  if (!Load(from, &bytes, error)) return false;
  size_t count = 0;
  Elf64_Phdr* ph = Phdrs(&bytes, &count);
  for (size_t i = 0; i < count; ++i) {
    if (ph[i].p_type != PT_GNU_EH_FRAME) continue;
    const uint64_t at = ph[i].p_offset;
    if (at + kFdeCountOffset + 4 > bytes.size() ||
        std::memcmp(bytes.data() + at, kEhFrameHdrStart, sizeof(kEhFrameHdrStart)) != 0) {
      *error = from + ": .eh_frame_hdr not in the usual encoding";
      return false;
    }
    const uint32_t all_ones = 0xffffffff;
    std::memcpy(bytes.data() + at + kFdeCountOffset, &all_ones, sizeof(all_ones));
    return ChangeBuildId(&bytes, 'c', error) && Store(bytes, to, error);
  }
  *error = from + " has no PT_GNU_EH_FRAME";
  return false;
}

bool CraftHugeCodeSegment(const std::string& from, const std::string& to,
                          std::string* error) {
  std::string bytes;
  if (!Load(from, &bytes, error)) return false;
  size_t count = 0;
  Elf64_Phdr* ph = Phdrs(&bytes, &count);
  bool had_hdr = false, had_code = false;
  for (size_t i = 0; i < count; ++i) {
    if (ph[i].p_type == PT_GNU_EH_FRAME) {
      ph[i].p_type = PT_NULL;
      had_hdr = true;
    } else if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && !had_code) {
      ph[i].p_filesz = kHugeSegment - ph[i].p_vaddr;
      ph[i].p_memsz = kHugeSegment - ph[i].p_vaddr;
      had_code = true;
    }
  }
  if (!had_hdr || !had_code) {
    *error = from + " has no PT_GNU_EH_FRAME or no executable PT_LOAD";
    return false;
  }
  return ChangeBuildId(&bytes, 's', error) && Store(bytes, to, error);
}

}  // namespace allocprof::e2e
