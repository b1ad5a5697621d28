#include "userspace/unwind/cfi_rows.h"

#include <dwarf.h>
#include <elfutils/libdw.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "userspace/common/elf_file.h"
#include "userspace/common/target_file.h"
#include "userspace/unwind/cfi_program.h"
#include "userspace/unwind/cfi_reader.h"

namespace allocprof {
namespace {

// Rows keep 32-bit addresses: code above 4 GiB in the file's own address
// space is left to frame pointers.
constexpr uint64_t kRowAddressLimit = uint64_t{1} << 32;

// CIEs kept once read, at most; past that a CIE is read again for each FDE
// that uses it (kMaxCfiProgramBytes bounds what that costs).
constexpr size_t kMaxCachedCies = 65536;

// Bytes of CFI programs run for one object, CIEs' read again included:
// Debian's largest objects have a few MiB of .eh_frame.
constexpr uint64_t kMaxCfiProgramBytes = uint64_t{256} << 20;

bool SameRules(const ap_unwind_row& a, const ap_unwind_row& b) {
  return a.cfa_type == b.cfa_type && a.cfa_offset == b.cfa_offset &&
         a.rbp_rule == b.rbp_rule;
}

// The PLT stubs' CFA: rsp + 8, plus 8 once the stub has pushed its index,
// i.e. from byte N of each 16-byte entry on (binutils writes
// DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_litN;
// DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus). N, or -1 for another
// expression.
int PltThreshold(absl::Span<const uint8_t> expression) {
  CfiReader in(expression.data(), expression.data() + expression.size());
  const bool head = in.U8() == DW_OP_breg7 && in.Sleb128() == 8 && in.U8() == DW_OP_breg16 &&
                    in.Sleb128() == 0 && in.U8() == DW_OP_lit15 && in.U8() == DW_OP_and;
  const uint8_t lit = in.U8();
  const bool tail = in.U8() == DW_OP_ge && in.U8() == DW_OP_lit3 && in.U8() == DW_OP_shl &&
                    in.U8() == DW_OP_plus;
  if (!head || !tail || !in.ok() || !in.at_end() || lit < DW_OP_lit0 || lit > DW_OP_lit15) {
    return -1;
  }
  return lit - DW_OP_lit0;
}

// The rules of one CFI row, as the BPF walker follows them; `*supported` is
// false when the walker cannot (the row becomes AP_CFA_NONE).
ap_unwind_row Translate(const CfiRules& rules, bool* supported) {
  ap_unwind_row row{};
  *supported = false;
  // The return address: undefined marks the outermost frame.
  if (rules.return_address.kind == CfiRegisterRule::kUndefined) {
    row.cfa_type = AP_CFA_END;
    *supported = true;
    return row;
  }
  // Anything but "saved at CFA - 8" is not what a call leaves.
  if (rules.return_address != CfiRegisterRule{CfiRegisterRule::kAtCfa, -8}) return row;

  if (rules.cfa == CfiRules::kCfaRegister &&
      (rules.cfa_register == kDwarfRsp || rules.cfa_register == kDwarfRbp)) {
    if (rules.cfa_offset < 0 || rules.cfa_offset > std::numeric_limits<uint16_t>::max()) {
      return row;
    }
    row.cfa_type = rules.cfa_register == kDwarfRsp ? AP_CFA_RSP : AP_CFA_RBP;
    row.cfa_offset = static_cast<uint16_t>(rules.cfa_offset);
  } else if (int threshold = rules.cfa == CfiRules::kCfaExpression
                                 ? PltThreshold(rules.cfa_expression)
                                 : -1;
             threshold >= 0) {
    row.cfa_type = AP_CFA_PLT;
    row.cfa_offset = static_cast<uint16_t>(threshold);
  } else {
    return row;
  }

  // rbp: kept, saved at CFA + 8k, or lost.
  row.rbp_rule = AP_RBP_UNKNOWN;
  if (rules.rbp.kind == CfiRegisterRule::kSameValue) {
    row.rbp_rule = AP_RBP_SAME;
  } else if (rules.rbp.kind == CfiRegisterRule::kAtCfa) {
    const int64_t offset = rules.rbp.offset;
    if (offset % 8 == 0 && offset / 8 >= -127 && offset / 8 <= 127 && offset != 0) {
      row.rbp_rule = static_cast<int8_t>(offset / 8);
    }
  }
  *supported = true;
  return row;
}

// Rows sorted by pc, as the BPF binary search needs them, whatever order
// the object's FDEs came in (a crafted object can overlap them or list
// them backwards). Of rows at the same pc the first with CFI wins (an FDE
// that starts where another ends wins over the other's end; .eh_frame's
// rows come before .debug_frame's); neighbours with the same rules become
// one.
void SortRows(std::vector<ap_unwind_row>* rows) {
  std::stable_sort(rows->begin(), rows->end(),
                   [](const ap_unwind_row& a, const ap_unwind_row& b) { return a.pc < b.pc; });
  std::vector<ap_unwind_row> one_per_pc;
  one_per_pc.reserve(rows->size());
  for (const ap_unwind_row& r : *rows) {
    if (!one_per_pc.empty() && one_per_pc.back().pc == r.pc) {
      if (one_per_pc.back().cfa_type == AP_CFA_NONE) one_per_pc.back() = r;
      continue;
    }
    one_per_pc.push_back(r);
  }
  rows->clear();
  for (const ap_unwind_row& r : one_per_pc) {
    if (!rows->empty() && SameRules(rows->back(), r)) continue;
    rows->push_back(r);
  }
}

// A CFI section: its bytes, and the address they are loaded at.
struct CfiSection {
  Elf_Data* data = nullptr;
  uint64_t vaddr = 0;
  bool eh_frame = true;  // .eh_frame's format, else .debug_frame's

  CfiAddresses AddressesAt(const uint8_t* p) const {
    return {vaddr + static_cast<uint64_t>(p - static_cast<const uint8_t*>(data->d_buf)), 0};
  }
};

// .eh_frame, found as the C++ runtime finds it: through .eh_frame_hdr
// (PT_GNU_EH_FRAME), to the end of the segment holding it unless a section
// header says where it ends; by its section header where there is no
// .eh_frame_hdr (static executables). nullopt when there is none; an error
// for an .eh_frame_hdr that is malformed.
absl::StatusOr<std::optional<CfiSection>> FindEhFrame(const ElfFile& file) {
  absl::StatusOr<std::vector<GElf_Phdr>> headers = file.ProgramHeaders();
  if (!headers.ok()) return absl::InvalidArgumentError("no program headers");
  std::optional<uint64_t> eh_frame;
  for (const GElf_Phdr& ph : *headers) {
    if (ph.p_type != PT_GNU_EH_FRAME) continue;
    Elf_Data* data = file.RawChunk(ph.p_offset, ph.p_filesz);
    if (data == nullptr) return absl::InvalidArgumentError(".eh_frame_hdr lies outside the file");
    auto hdr = ParseEhFrameHdr(
        absl::MakeConstSpan(static_cast<const uint8_t*>(data->d_buf), data->d_size), ph.p_vaddr);
    if (!hdr.ok()) return hdr.status();
    eh_frame = hdr->eh_frame;
    break;
  }
  std::optional<ElfSection> section = file.FindSection(".eh_frame", SHT_PROGBITS);
  if (section && (!eh_frame || section->header.sh_addr == *eh_frame)) {
    Elf_Data* data = file.RawData(*section);
    if (data != nullptr && data->d_buf != nullptr) {
      return CfiSection{data, section->header.sh_addr, true};
    }
  }
  if (!eh_frame) return std::nullopt;
  const uint64_t file_size = file.size();
  for (const GElf_Phdr& ph : *headers) {
    if (ph.p_type != PT_LOAD || *eh_frame < ph.p_vaddr || *eh_frame - ph.p_vaddr >= ph.p_filesz) {
      continue;
    }
    const uint64_t offset = ph.p_offset + (*eh_frame - ph.p_vaddr);
    if (offset >= file_size) break;
    const uint64_t size = std::min(ph.p_filesz - (*eh_frame - ph.p_vaddr), file_size - offset);
    Elf_Data* data = file.RawChunk(offset, size);
    if (data == nullptr) break;
    return CfiSection{data, *eh_frame, true};
  }
  return absl::InvalidArgumentError(".eh_frame_hdr points outside the loaded segments");
}

// .debug_frame, for what .eh_frame leaves out (code built with
// -fno-asynchronous-unwind-tables, some hand-written assembly). A
// compressed one is left alone: the mapped object rarely has one, and it
// would have to be inflated first.
std::optional<CfiSection> FindDebugFrame(const ElfFile& file) {
  std::optional<ElfSection> section = file.FindSection(".debug_frame", SHT_PROGBITS);
  if (!section || (section->header.sh_flags & SHF_COMPRESSED)) return std::nullopt;
  Elf_Data* data = file.RawData(*section);
  if (data == nullptr || data->d_buf == nullptr) return std::nullopt;
  return CfiSection{data, 0, false};
}

// Reads the FDEs of one section and appends their rows.
class SectionReader {
 public:
  SectionReader(const CfiSection& section, CfiRows* out) : section_(section), out_(out) {}

  // Appends the rows of every FDE whose start `wanted` accepts.
  void AppendRows(absl::FunctionRef<bool(uint64_t start)> wanted) {
    const char* const name = section_.eh_frame ? ".eh_frame" : ".debug_frame";
    Dwarf_Off offset = 0;
    for (;;) {
      Dwarf_Off next = 0;
      Dwarf_CFI_Entry entry;
      const int read = dwarf_next_cfi(kIdent, section_.data, section_.eh_frame, offset, &next,
                                      &entry);
      if (read > 0) return;  // its end, or a terminator
      if (read < 0) {
        Skipped(absl::StrCat("its ", name, " has a malformed entry at offset ", offset));
        // As libdw does: past an entry whose length could be read.
        if (next <= offset) return;
        offset = next;
        continue;
      }
      offset = next;
      if (dwarf_cfi_cie_p(&entry)) continue;  // read when an FDE uses it
      program_bytes_ += static_cast<uint64_t>(entry.fde.end - entry.fde.start);
      const CfiCie* cie = CieAt(entry.fde.CIE_pointer);
      if (program_bytes_ > kMaxCfiProgramBytes) {
        Skipped(absl::StrCat("its CFI programs pass ", kMaxCfiProgramBytes,
                             " bytes; the rest is left to frame pointers"));
        return;
      }
      if (cie == nullptr) continue;
      AppendFde(*cie, entry.fde, wanted);
      if (out_->steps > kMaxCfiSteps) return;
    }
  }

 private:
  // What the reader uses of an ELF header's identification: dwarf_next_cfi
  // reads 64-bit little-endian objects only here (BuildCfiRows checks).
  static constexpr unsigned char kIdent[EI_NIDENT] = {ELFMAG0,    ELFMAG1,    ELFMAG2, ELFMAG3,
                                                      ELFCLASS64, ELFDATA2LSB};

  // The CIE at `offset`, read once; null when it is not one we can use.
  const CfiCie* CieAt(Dwarf_Off offset) {
    if (auto it = cies_.find(offset); it != cies_.end()) {
      return it->second.ok() ? &*it->second : nullptr;
    }
    Dwarf_Off next = 0;
    Dwarf_CFI_Entry entry;
    absl::StatusOr<CfiCie> cie = absl::InvalidArgumentError("no CIE there");
    if (dwarf_next_cfi(kIdent, section_.data, section_.eh_frame, offset, &next, &entry) == 0 &&
        dwarf_cfi_cie_p(&entry)) {
      program_bytes_ += static_cast<uint64_t>(entry.cie.initial_instructions_end -
                                              entry.cie.initial_instructions);
      cie = ReadCie(entry.cie, section_.AddressesAt(entry.cie.augmentation_data));
    }
    if (!cie.ok()) {
      Skipped(absl::StrCat("a CIE at offset ", offset, " cannot be used (", cie.status().message(),
                           ")"));
    }
    if (cies_.size() >= kMaxCachedCies) {
      last_uncached_ = std::move(cie);
      return last_uncached_.ok() ? &*last_uncached_ : nullptr;
    }
    auto [it, inserted] = cies_.emplace(offset, std::move(cie));
    return it->second.ok() ? &*it->second : nullptr;
  }

  void AppendFde(const CfiCie& cie, const Dwarf_FDE& fde,
                 absl::FunctionRef<bool(uint64_t start)> wanted) {
    CfiReader head(fde.start, fde.end, section_.AddressesAt(fde.start));
    const uint64_t start = head.Pointer(cie.fde_encoding);
    const uint64_t range = head.Pointer(cie.fde_encoding & 0x0f);
    if (cie.sized_augmentation) head.Skip(head.Uleb128());
    if (!head.ok()) {
      Skipped("an FDE's address range cannot be read");
      return;
    }
    if (range == 0 || start >= kRowAddressLimit || !wanted(start)) return;
    const uint64_t end = std::min(kRowAddressLimit, start + std::min(range, kRowAddressLimit));
    uint64_t failed_at = 0;
    absl::Status ran = RunFdeProgram(
        cie, start, end, CfiReader(head.position(), fde.end, section_.AddressesAt(head.position())),
        [this](uint64_t pc, const CfiRules& rules) {
          bool supported = false;
          ap_unwind_row row = Translate(rules, &supported);
          if (!supported) ++out_->unsupported;
          Emit(pc, row);
        },
        &failed_at);
    if (!ran.ok()) {
      Skipped(absl::StrCat("the FDE of 0x", absl::Hex(start), " is malformed (", ran.message(),
                           ")"));
      Emit(failed_at, ap_unwind_row{});
    }
    Emit(end, ap_unwind_row{});  // no CFI until the next FDE
  }

  void Emit(uint64_t pc, ap_unwind_row row) {
    if (++out_->steps > kMaxCfiSteps) {
      Skipped(absl::StrCat("its CFI gives over ", kMaxCfiSteps,
                           " rows; the rest is left to frame pointers"));
      return;
    }
    // Neighbours alike are merged once all rows are sorted (SortRows).
    row.pc = static_cast<uint32_t>(std::min(pc, kRowAddressLimit - 1));
    out_->rows.push_back(row);
  }

  // Keeps the first reason part of the object went without rows.
  void Skipped(std::string why) {
    if (out_->skipped.empty()) out_->skipped = std::move(why);
  }

  const CfiSection& section_;
  CfiRows* out_;
  absl::flat_hash_map<Dwarf_Off, absl::StatusOr<CfiCie>> cies_;
  absl::StatusOr<CfiCie> last_uncached_ = absl::UnknownError("none");
  uint64_t program_bytes_ = 0;
};

}  // namespace

absl::StatusOr<EhFrameHdr> ParseEhFrameHdr(absl::Span<const uint8_t> hdr, uint64_t hdr_vaddr) {
  CfiReader in(hdr.data(), hdr.data() + hdr.size(), {hdr_vaddr, hdr_vaddr});
  const uint8_t version = in.U8(), ptr_enc = in.U8(), count_enc = in.U8(), table_enc = in.U8();
  if (!in.ok()) return absl::InvalidArgumentError(".eh_frame_hdr is truncated");
  EhFrameHdr out;
  out.eh_frame = in.Pointer(ptr_enc);
  const uint64_t count = in.Pointer(count_enc);
  // Table entries are two 4-byte values in what binutils, gold and lld
  // write; their size is what the count is checked against.
  const bool four_bytes = (table_enc & 0x0f) == DW_EH_PE_udata4 ||
                          (table_enc & 0x0f) == DW_EH_PE_sdata4;
  if (version != 1 || !in.ok() || !four_bytes) {
    return absl::UnimplementedError("unsupported .eh_frame_hdr encoding");
  }
  // The count is the file's to say: it must fit the table that follows
  // before anything is sized from it.
  const uint64_t room = in.left() / 8;
  if (count > room) {
    return absl::InvalidArgumentError(
        absl::StrCat(".eh_frame_hdr lists ", count, " FDEs but has room for ", room));
  }
  out.fde_starts.reserve(static_cast<size_t>(count));
  for (uint64_t k = 0; k < count; ++k) {
    out.fde_starts.push_back(in.Pointer(table_enc));
    in.Pointer(table_enc);  // the FDE's address
  }
  if (!in.ok()) return absl::UnimplementedError("unsupported .eh_frame_hdr table");
  return out;
}

absl::StatusOr<CfiRows> BuildCfiRows(const std::string& path) {
  // A mapped object of the target: its path leads into the target's root.
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, kMaxElfBytes);
  if (!file.ok()) return file.status();
  CfiRows out;
  out.build_id = file->BuildId();
  const char* ident = elf_getident(file->elf(), nullptr);
  if (ident == nullptr || ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB) {
    out.skipped = "it is not a 64-bit little-endian object";
    return out;
  }
  // .eh_frame first: it is what the C++ runtime unwinds with, so it is
  // there and right in every object that can throw, stripped or not.
  auto eh_frame = FindEhFrame(*file);
  if (!eh_frame.ok()) {
    return absl::Status(eh_frame.status().code(),
                        absl::StrCat(path, ": ", eh_frame.status().message()));
  }
  if (*eh_frame) {
    SectionReader(**eh_frame, &out).AppendRows([](uint64_t) { return true; });
  }
  SortRows(&out.rows);
  // .debug_frame for the code .eh_frame leaves without rows.
  if (std::optional<CfiSection> debug_frame = FindDebugFrame(*file)) {
    out.had_debug_frame = true;
    CfiRows extra;
    extra.steps = out.steps;
    const std::vector<ap_unwind_row>& eh_rows = out.rows;
    SectionReader(*debug_frame, &extra).AppendRows([&eh_rows](uint64_t start) {
      const ap_unwind_row* row = FindRow(eh_rows, start);
      return row == nullptr || row->cfa_type == AP_CFA_NONE;
    });
    out.steps = extra.steps;
    out.unsupported += extra.unsupported;
    if (out.skipped.empty()) out.skipped = extra.skipped;
    // An .eh_frame row wins where both have one (it comes first, and the
    // sort is stable).
    out.rows.insert(out.rows.end(), extra.rows.begin(), extra.rows.end());
    SortRows(&out.rows);
  }
  return out;
}

const ap_unwind_row* FindRow(absl::Span<const ap_unwind_row> rows, uint64_t vaddr) {
  auto it = std::upper_bound(rows.begin(), rows.end(), vaddr,
                             [](uint64_t v, const ap_unwind_row& r) { return v < r.pc; });
  return it == rows.begin() ? nullptr : &*(it - 1);
}

}  // namespace allocprof
