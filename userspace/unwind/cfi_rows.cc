#include "userspace/unwind/cfi_rows.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "userspace/common/target_file.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {
namespace {

// x86-64 DWARF register numbers.
constexpr int kRbp = 6;
constexpr int kRsp = 7;
constexpr int kRip = 16;  // the return address column

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};
struct DwarfCloser {
  void operator()(Dwarf* dw) const { dwarf_end(dw); }
};
struct FrameFree {
  void operator()(Dwarf_Frame* f) const { free(f); }
};

bool SameRules(const ap_unwind_row& a, const ap_unwind_row& b) {
  return a.cfa_type == b.cfa_type && a.cfa_offset == b.cfa_offset &&
         a.rbp_rule == b.rbp_rule;
}

// The PLT stubs' CFA: rsp + 8, plus 8 once the stub has pushed its index,
// i.e. from byte N of each 16-byte entry on (binutils writes
// DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_litN;
// DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus). N, or -1 for another
// expression.
int PltThreshold(const Dwarf_Op* ops, size_t n) {
  if (n != 9) return -1;
  const bool shape =
      ops[0].atom == DW_OP_breg7 && ops[0].number == 8 &&
      ops[1].atom == DW_OP_breg16 && ops[1].number == 0 &&
      ops[2].atom == DW_OP_lit15 && ops[3].atom == DW_OP_and &&
      ops[4].atom >= DW_OP_lit0 && ops[4].atom <= DW_OP_lit15 &&
      ops[5].atom == DW_OP_ge && ops[6].atom == DW_OP_lit3 &&
      ops[7].atom == DW_OP_shl && ops[8].atom == DW_OP_plus;
  return shape ? ops[4].atom - DW_OP_lit0 : -1;
}

// The rules of one CFI row, as the BPF walker follows them; `*supported` is
// false when the walker cannot (the row becomes AP_CFA_NONE).
ap_unwind_row Translate(Dwarf_Frame* frame, bool* supported) {
  ap_unwind_row row{};
  *supported = false;
  Dwarf_Op mem[3];
  Dwarf_Op* ops = nullptr;
  size_t n = 0;
  // The return address: undefined marks the outermost frame.
  if (dwarf_frame_register(frame, kRip, mem, &ops, &n) != 0) return row;
  if (n == 0 && ops == mem) {
    row.cfa_type = AP_CFA_END;
    *supported = true;
    return row;
  }
  // Anything but "saved at CFA - 8" is not what a call leaves.
  if (n != 2 || ops[0].atom != DW_OP_call_frame_cfa ||
      ops[1].atom != DW_OP_plus_uconst || static_cast<int64_t>(ops[1].number) != -8) {
    return row;
  }

  if (dwarf_frame_cfa(frame, &ops, &n) != 0 || n == 0) return row;
  if (n == 1 && ops[0].atom == DW_OP_bregx &&
      (ops[0].number == kRsp || ops[0].number == kRbp)) {
    const int64_t offset = static_cast<int64_t>(ops[0].number2);
    if (offset < 0 || offset > std::numeric_limits<uint16_t>::max()) return row;
    row.cfa_type = ops[0].number == kRsp ? AP_CFA_RSP : AP_CFA_RBP;
    row.cfa_offset = static_cast<uint16_t>(offset);
  } else if (int threshold = PltThreshold(ops, n); threshold >= 0) {
    row.cfa_type = AP_CFA_PLT;
    row.cfa_offset = static_cast<uint16_t>(threshold);
  } else {
    return row;
  }

  // rbp: kept, saved at CFA + 8k, or lost.
  row.rbp_rule = AP_RBP_UNKNOWN;
  if (dwarf_frame_register(frame, kRbp, mem, &ops, &n) == 0) {
    if (n == 0 && ops == nullptr) {
      row.rbp_rule = AP_RBP_SAME;
    } else if (n == 2 && ops[0].atom == DW_OP_call_frame_cfa &&
               ops[1].atom == DW_OP_plus_uconst) {
      const int64_t offset = static_cast<int64_t>(ops[1].number);
      if (offset % 8 == 0 && offset / 8 >= -127 && offset / 8 <= 127 && offset != 0) {
        row.rbp_rule = static_cast<int8_t>(offset / 8);
      }
    }
  }
  *supported = true;
  return row;
}

// Appends the rows of [start, end) from `cfi`, merging rows alike. Stops
// early where no CFI covers an address, and returns that address (end if
// none), which starts an AP_CFA_NONE row.
uint64_t AppendRange(Dwarf_CFI* cfi, uint64_t start, uint64_t end, CfiRows* out) {
  auto emit = [out](uint64_t pc, ap_unwind_row row) {
    row.pc = static_cast<uint32_t>(pc);
    if (!out->rows.empty() && SameRules(out->rows.back(), row)) return;
    out->rows.push_back(row);
  };
  uint64_t addr = start;
  while (addr < end) {
    if (++out->steps > kMaxCfiSteps) {
      if (out->skipped.empty()) {
        out->skipped = absl::StrCat("its CFI takes over ", kMaxCfiSteps,
                                    " rows; the rest is left to frame pointers");
      }
      return end;
    }
    Dwarf_Frame* raw = nullptr;
    if (dwarf_cfi_addrframe(cfi, addr, &raw) != 0) break;
    std::unique_ptr<Dwarf_Frame, FrameFree> frame(raw);
    Dwarf_Addr row_start = 0, row_end = 0;
    bool signal = false;
    if (dwarf_frame_info(frame.get(), &row_start, &row_end, &signal) < 0 ||
        row_end <= addr) {
      break;
    }
    bool supported = false;
    ap_unwind_row row = Translate(frame.get(), &supported);
    if (!supported) ++out->unsupported;
    emit(addr, row);
    addr = std::min<uint64_t>(row_end, end);
  }
  if (addr < end) emit(addr, ap_unwind_row{});  // no CFI until the next FDE
  return addr;
}

// Rows sorted by pc, as the BPF binary search needs them, whatever order
// the object's segments and FDEs came in (a crafted object can list its
// segments backwards or overlap its FDEs). Of rows at the same pc the first
// with CFI wins; neighbours with the same rules become one.
void SortRows(std::vector<ap_unwind_row>* rows) {
  std::stable_sort(rows->begin(), rows->end(),
                   [](const ap_unwind_row& a, const ap_unwind_row& b) { return a.pc < b.pc; });
  std::vector<ap_unwind_row> sorted;
  sorted.reserve(rows->size());
  for (const ap_unwind_row& r : *rows) {
    if (!sorted.empty() && sorted.back().pc == r.pc) {
      if (sorted.back().cfa_type == AP_CFA_NONE) sorted.back() = r;
      continue;
    }
    if (!sorted.empty() && SameRules(sorted.back(), r)) continue;
    sorted.push_back(r);
  }
  *rows = std::move(sorted);
}

// Reads a value of the .eh_frame_hdr encodings binutils, gold and lld
// write; false for others.
bool ReadEncoded(const uint8_t*& p, const uint8_t* end, uint8_t encoding,
                 uint64_t hdr_vaddr, int64_t* value) {
  if ((encoding & 0x0f) == DW_EH_PE_udata4 || (encoding & 0x0f) == DW_EH_PE_sdata4) {
    if (end - p < 4) return false;
    int32_t v;
    memcpy(&v, p, 4);
    p += 4;
    if ((encoding & 0x0f) == DW_EH_PE_udata4) {
      *value = static_cast<uint32_t>(v);
    } else {
      *value = v;
    }
  } else {
    return false;
  }
  switch (encoding & 0x70) {
    case DW_EH_PE_absptr:
    case DW_EH_PE_pcrel:  // only the eh_frame pointer, which is skipped
      return true;
    case DW_EH_PE_datarel:
      *value += static_cast<int64_t>(hdr_vaddr);
      return true;
    default:
      return false;
  }
}

// The start address of every FDE of .eh_frame, from the sorted search table
// of .eh_frame_hdr (PT_GNU_EH_FRAME), which every linker writes by default.
absl::StatusOr<std::vector<uint64_t>> EhFrameStarts(Elf* elf) {
  size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) != 0) return absl::InvalidArgumentError("no program headers");
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_GNU_EH_FRAME) continue;
    Elf_Data* data = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_BYTE);
    if (data == nullptr || data->d_size < 4) break;
    return ParseEhFrameHdr(
        absl::MakeConstSpan(static_cast<const uint8_t*>(data->d_buf), data->d_size),
        ph.p_vaddr);
  }
  return std::vector<uint64_t>{};
}

// FDE starts of .debug_frame, whose addresses are plain 8-byte words.
std::vector<uint64_t> DebugFrameStarts(Elf* elf) {
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return {};
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS) continue;
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (name == nullptr || strcmp(name, ".debug_frame") != 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) return {};
    std::vector<uint64_t> starts;
    unsigned char ident[EI_NIDENT] = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB};
    Dwarf_Off offset = 0;
    for (;;) {
      Dwarf_Off next = 0;
      Dwarf_CFI_Entry entry;
      if (dwarf_next_cfi(ident, data, false, offset, &next, &entry) != 0) break;
      if (!dwarf_cfi_cie_p(&entry) && entry.fde.end - entry.fde.start >= 8) {
        uint64_t location;
        memcpy(&location, entry.fde.start, 8);
        starts.push_back(location);
      }
      offset = next;
    }
    return starts;
  }
  return {};
}

// Rows of `cfi` over the executable segments of `elf`, address by address
// where no CFI covers one: for objects without .eh_frame_hdr (static
// executables are linked without it), whose FDE addresses are not listed.
// Gaps between functions are a few bytes of padding, and libdw caches the
// FDEs it has read, so stepping through them byte by byte is cheap.
//
// The program headers are the file's to say, though: only the part of a
// segment the file holds is code (p_memsz past p_filesz is zero-filled),
// and the scan stops after kMaxScanBytes of code or kMaxScanMisses
// addresses without CFI, so that a crafted p_memsz of 4 GiB costs
// milliseconds, not minutes. `file_size` is the object's size on disk.
// Returns why part of the object was not scanned, or "".
constexpr uint64_t kMaxScanBytes = uint64_t{512} << 20;
constexpr uint64_t kMaxScanMisses = uint64_t{1} << 20;

std::string ScanSegments(Elf* elf, Dwarf_CFI* cfi, uint64_t file_size, CfiRows* out) {
  size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) != 0) return "";
  uint64_t scanned = 0, misses = 0;
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    if (ph.p_offset >= file_size || ph.p_vaddr >= (uint64_t{1} << 32)) continue;
    const uint64_t in_file = std::min(ph.p_filesz, file_size - ph.p_offset);
    const uint64_t end = ph.p_vaddr + std::min(in_file, (uint64_t{1} << 32) - ph.p_vaddr);
    if (end - ph.p_vaddr > kMaxScanBytes - scanned) {
      return absl::StrCat("its executable segment at 0x", absl::Hex(ph.p_vaddr), " (",
                          end - ph.p_vaddr, " bytes) passes the limit of ", kMaxScanBytes,
                          " bytes of code scanned without .eh_frame_hdr");
    }
    uint64_t addr = ph.p_vaddr;
    while (addr < end) {
      const uint64_t stop = AppendRange(cfi, addr, end, out);
      if (stop == addr && ++misses > kMaxScanMisses) {
        return absl::StrCat("over ", kMaxScanMisses,
                            " addresses without CFI in code without .eh_frame_hdr; "
                            "scan stopped at 0x", absl::Hex(addr));
      }
      addr = stop == addr ? addr + 1 : stop;
    }
    scanned += end - ph.p_vaddr;
    AppendRange(cfi, end, end + 1, out);  // what follows is not code
  }
  return "";
}

// Rows of `cfi` over the FDEs starting at `starts`.
void AppendFdes(Dwarf_CFI* cfi, std::vector<uint64_t> starts, CfiRows* out) {
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  // Rows keep 32-bit addresses: code above 4 GiB in the file's own address
  // space is left to frame pointers.
  starts.erase(std::lower_bound(starts.begin(), starts.end(), uint64_t{1} << 32),
               starts.end());
  for (size_t i = 0; i < starts.size(); ++i) {
    const uint64_t next = i + 1 < starts.size() ? starts[i + 1]
                                                : std::numeric_limits<uint64_t>::max();
    AppendRange(cfi, starts[i], std::min(next, uint64_t{1} << 32), out);
  }
}

std::string BuildIdOf(Elf* elf) {
  size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) != 0) return "";
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_NOTE) continue;
    Elf_Data* data = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
    if (data == nullptr) continue;
    size_t offset = 0, name_at = 0, desc_at = 0;
    GElf_Nhdr note;
    while ((offset = gelf_getnote(data, offset, &note, &name_at, &desc_at)) > 0) {
      const char* base = static_cast<const char*>(data->d_buf);
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          memcmp(base + name_at, "GNU", 4) == 0) {
        std::string hex;
        static constexpr char kHex[] = "0123456789abcdef";
        for (size_t k = 0; k < note.n_descsz; ++k) {
          const uint8_t b = static_cast<uint8_t>(base[desc_at + k]);
          hex += kHex[b >> 4];
          hex += kHex[b & 15];
        }
        return hex;
      }
    }
  }
  return "";
}

struct OpenElf {
  UniqueFd fd;
  std::unique_ptr<Elf, ElfCloser> elf;
};

absl::StatusOr<OpenElf> Open(const std::string& path) {
  OpenElf o;
  // A mapped object of the target: its path leads into the target's root.
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(path, kMaxElfBytes);
  if (!fd.ok()) return fd.status();
  o.fd = *std::move(fd);
  elf_version(EV_CURRENT);
  o.elf.reset(elf_begin(o.fd.get(), ELF_C_READ_MMAP, nullptr));
  if (o.elf == nullptr || elf_kind(o.elf.get()) != ELF_K_ELF) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not an ELF file"));
  }
  return o;
}

}  // namespace

absl::StatusOr<std::vector<uint64_t>> ParseEhFrameHdr(absl::Span<const uint8_t> hdr,
                                                      uint64_t hdr_vaddr) {
  if (hdr.size() < 4) return absl::InvalidArgumentError(".eh_frame_hdr is truncated");
  const uint8_t* p = hdr.data();
  const uint8_t* end = p + hdr.size();
  const uint8_t version = p[0], ptr_enc = p[1], count_enc = p[2], table_enc = p[3];
  p += 4;
  int64_t ignored = 0, count = 0;
  if (version != 1 || !ReadEncoded(p, end, ptr_enc, hdr_vaddr, &ignored) ||
      !ReadEncoded(p, end, count_enc, hdr_vaddr, &count) || count < 0) {
    return absl::UnimplementedError("unsupported .eh_frame_hdr encoding");
  }
  // The count is the file's to say: it must fit the table that follows,
  // whose entries are two 4-byte values (the only encodings ReadEncoded
  // takes), before anything is sized from it.
  const uint64_t room = static_cast<uint64_t>(end - p) / 8;
  if (static_cast<uint64_t>(count) > room) {
    return absl::InvalidArgumentError(
        absl::StrCat(".eh_frame_hdr lists ", count, " FDEs but has room for ", room));
  }
  std::vector<uint64_t> starts;
  starts.reserve(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) {
    int64_t location = 0, fde = 0;
    if (!ReadEncoded(p, end, table_enc, hdr_vaddr, &location) ||
        !ReadEncoded(p, end, table_enc, hdr_vaddr, &fde)) {
      return absl::UnimplementedError("unsupported .eh_frame_hdr table");
    }
    starts.push_back(static_cast<uint64_t>(location));
  }
  return starts;
}

absl::StatusOr<CfiRows> BuildCfiRows(const std::string& path) {
  auto opened = Open(path);
  if (!opened.ok()) return opened.status();
  Elf* elf = opened->elf.get();
  CfiRows out;
  out.build_id = BuildIdOf(elf);

  // .eh_frame first: it is what the C++ runtime unwinds with, so it is
  // there and right in every object that can throw, stripped or not.
  Dwarf_CFI* eh = dwarf_getcfi_elf(elf);
  const char* libdw_error = eh ? nullptr : dwarf_errmsg(-1);
  // The search table is checked whether or not libdw took it: libdw gives
  // no CFI at all for some tables it cannot use, which must not pass for
  // an object without CFI.
  auto starts = EhFrameStarts(elf);
  if (!starts.ok()) {
    if (eh) dwarf_cfi_end(eh);
    return absl::Status(starts.status().code(),
                        absl::StrCat(path, ": ", starts.status().message()));
  }
  if (eh == nullptr && !starts->empty()) {
    out.skipped = absl::StrCat("libdw cannot read its .eh_frame (",
                               libdw_error ? libdw_error : "no reason given", ")");
  }
  if (eh) {
    if (starts->empty()) {
      struct stat st;
      const uint64_t file_size =
          ::fstat(opened->fd.get(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
      out.skipped = ScanSegments(elf, eh, file_size, &out);
    } else {
      AppendFdes(eh, *std::move(starts), &out);
    }
    dwarf_cfi_end(eh);
  }
  SortRows(&out.rows);
  // .debug_frame for what .eh_frame leaves out (code built with
  // -fno-asynchronous-unwind-tables, some hand-written assembly).
  std::vector<uint64_t> debug_starts = DebugFrameStarts(elf);
  if (!debug_starts.empty()) {
    std::unique_ptr<Dwarf, DwarfCloser> dw(dwarf_begin_elf(elf, DWARF_C_READ, nullptr));
    Dwarf_CFI* debug = dw ? dwarf_getcfi(dw.get()) : nullptr;
    if (debug != nullptr) {
      out.had_debug_frame = true;
      CfiRows extra;
      std::vector<uint64_t> uncovered;
      for (uint64_t s : debug_starts) {
        const ap_unwind_row* row = FindRow(out.rows, s);
        if (row == nullptr || row->cfa_type == AP_CFA_NONE) uncovered.push_back(s);
      }
      AppendFdes(debug, uncovered, &extra);
      out.unsupported += extra.unsupported;
      // Merge: an .eh_frame row wins where both have one (it comes first,
      // and the sort is stable).
      out.rows.insert(out.rows.end(), extra.rows.begin(), extra.rows.end());
      SortRows(&out.rows);
    }
  }
  return out;
}

std::string ReadBuildId(const std::string& path) {
  auto opened = Open(path);
  return opened.ok() ? BuildIdOf(opened->elf.get()) : "";
}

const ap_unwind_row* FindRow(absl::Span<const ap_unwind_row> rows, uint64_t vaddr) {
  auto it = std::upper_bound(rows.begin(), rows.end(), vaddr,
                             [](uint64_t v, const ap_unwind_row& r) { return v < r.pc; });
  return it == rows.begin() ? nullptr : &*(it - 1);
}

}  // namespace allocprof
