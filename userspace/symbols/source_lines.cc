#include "userspace/symbols/source_lines.h"

#include <dwarf.h>
#include <elfutils/libdw.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "userspace/common/elf_file.h"
#include "userspace/common/target_file.h"
#include "userspace/symbols/demangle.h"

namespace allocprof {
namespace {

// How many ranges below the nearest one to look at for one that covers an
// address. Units' ranges seldom overlap, but one may enclose another's (a
// unit whose code the linker placed around another's), and then the range
// that covers the address starts below the nearest one.
constexpr int kOverlapScan = 16;

// libdw decompresses a compressed debug section whole when it opens the
// object, into a buffer of the size the section's header claims: a hostile
// object could claim terabytes from a few bytes of zlib. What the sections
// decompress to is summed first; past this, no source lines for it. Debian's
// libc has about 10 MiB, large C++ services a few hundred.
constexpr uint64_t kMaxDebugSectionBytes = uint64_t{1} << 30;

// Bytes the object's sections take once decompressed: SHF_COMPRESSED ones
// (ELF compression headers) and GNU .zdebug_* ones ("ZLIB" and a big-endian
// size), the others as they are. Only .debug* and .zdebug* sections count.
uint64_t DebugSectionBytes(const ElfFile& file) {
  uint64_t total = 0;
  for (const ElfSection& section : file.Sections()) {
    const GElf_Shdr& shdr = section.header;
    if (shdr.sh_type == SHT_NOBITS || section.name.empty()) continue;
    uint64_t bytes = shdr.sh_size;
    if (shdr.sh_flags & SHF_COMPRESSED) {
      GElf_Chdr chdr;
      if (gelf_getchdr(section.scn, &chdr) != nullptr) bytes = chdr.ch_size;
    } else if (absl::StartsWith(section.name, ".zdebug")) {
      Elf_Data* raw = file.RawData(section);
      if (raw != nullptr && raw->d_size >= 12 && memcmp(raw->d_buf, "ZLIB", 4) == 0) {
        const auto* b = static_cast<const unsigned char*>(raw->d_buf) + 4;
        bytes = 0;
        for (int i = 0; i < 8; ++i) bytes = bytes << 8 | b[i];
      }
    } else if (!absl::StartsWith(section.name, ".debug")) {
      continue;
    }
    total = bytes > UINT64_MAX - total ? UINT64_MAX : total + bytes;
  }
  return total;
}

std::string NameOf(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  // The mangled name demangles to what the symbol table calls the
  // function ("ns::f(int)"); DW_AT_name alone would be "f". Integrate:
  // an inlined instance names its function through DW_AT_abstract_origin,
  // an out-of-line member function through DW_AT_specification.
  for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
    if (const char* s = dwarf_formstring(dwarf_attr_integrate(die, at, &attr))) {
      return Demangle(s);
    }
  }
  if (const char* s = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr))) {
    return s;
  }
  return "";
}

SourceLine LineAt(Dwarf_Die* unit, uint64_t pc) {
  Dwarf_Line* line = dwarf_getsrc_die(unit, pc);
  if (line == nullptr) return {};
  int lineno = 0;
  const char* file = dwarf_linesrc(line, nullptr, nullptr);
  if (dwarf_lineno(line, &lineno) != 0 || lineno <= 0 || file == nullptr) {
    return {};  // line 0: code the compiler made up, from no line
  }
  return {file, static_cast<uint32_t>(lineno)};
}

// Where the inlined instance `inlined` was called from.
SourceLine CallSite(Dwarf_Die* unit, Dwarf_Die* inlined) {
  Dwarf_Attribute attr;
  Dwarf_Word file_index = 0, line = 0;
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &file_index) != 0 ||
      dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &line) != 0 ||
      line == 0) {
    return {};
  }
  Dwarf_Files* files = nullptr;
  size_t count = 0;
  if (dwarf_getsrcfiles(unit, &files, &count) != 0 || file_index >= count) return {};
  const char* file = dwarf_filesrc(files, file_index, nullptr, nullptr);
  if (file == nullptr) return {};
  return {file, static_cast<uint32_t>(line)};
}

// Appends to `chain` the functions (out-of-line and inlined) under `parent`
// whose code holds `pc`, outermost first. dwarf_getscopes() would stop at
// the innermost inlined instance and continue with its abstract origin's
// scopes, not its callers, so the tree is walked here.
bool FindFunctions(Dwarf_Die* parent, uint64_t pc, std::vector<Dwarf_Die>* chain) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return false;
  do {
    switch (dwarf_tag(&child)) {
      case DW_TAG_subprogram:
      case DW_TAG_inlined_subroutine:
      case DW_TAG_entry_point:
        if (dwarf_haspc(&child, pc) == 1) {
          Dwarf_Die function = child;
          chain->push_back(function);
          FindFunctions(&function, pc, chain);
          return true;
        }
        break;
      case DW_TAG_lexical_block:
      case DW_TAG_try_block:
      case DW_TAG_catch_block:
        if (dwarf_haspc(&child, pc) == 1) {
          FindFunctions(&child, pc, chain);
          return true;
        }
        break;
      case DW_TAG_namespace:
        // No address range of its own; C++ compilers may put functions'
        // code inside.
        if (FindFunctions(&child, pc, chain)) return true;
        break;
      default:
        break;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SourceLines>> SourceLines::Load(
    const std::string& path) {
  // The object or its debug file, from the target's file system.
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, kMaxDebugFileBytes);
  if (absl::IsInvalidArgument(file.status())) {
    return absl::NotFoundError(absl::StrCat("no DWARF in ", path, ": not an ELF file"));
  }
  if (!file.ok()) return file.status();
  const uint64_t bytes = DebugSectionBytes(*file);
  if (bytes > kMaxDebugSectionBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "no source lines from ", path, ": its debug sections would take ", bytes,
        " bytes decompressed, more than allocprof reads (", kMaxDebugSectionBytes, ")"));
  }
  Dwarf* dwarf = dwarf_begin_elf(file->elf(), DWARF_C_READ, nullptr);
  if (dwarf == nullptr) {
    return absl::NotFoundError(absl::StrCat("no DWARF in ", path, ": ",
                                            dwarf_errmsg(-1)));
  }
  std::unique_ptr<SourceLines> lines(new SourceLines(*std::move(file), dwarf));
  lines->IndexUnits();
  return lines;
}

SourceLines::~SourceLines() { dwarf_end(dwarf_); }

void SourceLines::IndexUnits() {
  // The units' own ranges rather than .debug_aranges, which not every
  // compiler writes (clang does not by default).
  Dwarf_Off offset = 0, next = 0;
  size_t header_size = 0;
  while (dwarf_nextcu(dwarf_, offset, &next, &header_size, nullptr, nullptr,
                      nullptr) == 0) {
    Dwarf_Die unit;
    if (dwarf_offdie(dwarf_, offset + header_size, &unit) != nullptr) {
      Dwarf_Addr base = 0, low = 0, high = 0;
      for (ptrdiff_t at = 0;
           (at = dwarf_ranges(&unit, at, &base, &low, &high)) > 0;) {
        // Code the linker discarded (unused sections, duplicate inline
        // functions) keeps its DWARF at address 0.
        if (low == 0 || high <= low) continue;
        ranges_.push_back({low, high, dwarf_dieoffset(&unit)});
      }
    }
    offset = next;
  }
  std::sort(ranges_.begin(), ranges_.end(),
            [](const UnitRange& a, const UnitRange& b) { return a.low < b.low; });
}

std::vector<SourceLines::Function> SourceLines::Lookup(uint64_t vaddr) const {
  auto it = std::upper_bound(
      ranges_.begin(), ranges_.end(), vaddr,
      [](uint64_t addr, const UnitRange& r) { return addr < r.low; });
  const UnitRange* covering = nullptr;
  for (int i = 0; i < kOverlapScan && it != ranges_.begin(); ++i) {
    --it;
    if (vaddr < it->high) {
      covering = &*it;
      break;
    }
  }
  if (covering == nullptr) return {};
  Dwarf_Die unit;
  if (dwarf_offdie(dwarf_, covering->unit_offset, &unit) == nullptr) return {};

  std::vector<Dwarf_Die> chain;  // outermost first
  FindFunctions(&unit, vaddr, &chain);
  std::vector<Function> functions;
  SourceLine where = LineAt(&unit, vaddr);
  if (chain.empty()) {
    functions.push_back({"", std::move(where)});
    return functions;
  }
  for (size_t i = chain.size(); i-- > 0;) {
    functions.push_back({NameOf(&chain[i]), std::move(where)});
    // The next one out is where this one was called.
    if (dwarf_tag(&chain[i]) == DW_TAG_inlined_subroutine) {
      where = CallSite(&unit, &chain[i]);
    } else {
      where = {};
    }
  }
  return functions;
}

}  // namespace allocprof
