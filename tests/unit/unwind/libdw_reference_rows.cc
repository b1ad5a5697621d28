#include "tests/unit/unwind/libdw_reference_rows.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "userspace/unwind/cfi_rows.h"

namespace allocprof {
namespace {

constexpr int kRbp = 6;
constexpr int kRsp = 7;
constexpr int kRip = 16;

bool SameRules(const ap_unwind_row& a, const ap_unwind_row& b) {
  return a.cfa_type == b.cfa_type && a.cfa_offset == b.cfa_offset && a.rbp_rule == b.rbp_rule;
}

int PltThreshold(const Dwarf_Op* ops, size_t n) {
  if (n != 9) return -1;
  const bool shape = ops[0].atom == DW_OP_breg7 && ops[0].number == 8 &&
                     ops[1].atom == DW_OP_breg16 && ops[1].number == 0 &&
                     ops[2].atom == DW_OP_lit15 && ops[3].atom == DW_OP_and &&
                     ops[4].atom >= DW_OP_lit0 && ops[4].atom <= DW_OP_lit15 &&
                     ops[5].atom == DW_OP_ge && ops[6].atom == DW_OP_lit3 &&
                     ops[7].atom == DW_OP_shl && ops[8].atom == DW_OP_plus;
  return shape ? ops[4].atom - DW_OP_lit0 : -1;
}

ap_unwind_row Translate(Dwarf_Frame* frame) {
  ap_unwind_row row{};
  Dwarf_Op mem[3];
  Dwarf_Op* ops = nullptr;
  size_t n = 0;
  if (dwarf_frame_register(frame, kRip, mem, &ops, &n) != 0) return row;
  if (n == 0 && ops == mem) {
    row.cfa_type = AP_CFA_END;
    return row;
  }
  if (n != 2 || ops[0].atom != DW_OP_call_frame_cfa || ops[1].atom != DW_OP_plus_uconst ||
      static_cast<int64_t>(ops[1].number) != -8) {
    return row;
  }
  if (dwarf_frame_cfa(frame, &ops, &n) != 0 || n == 0) return row;
  if (n == 1 && ops[0].atom == DW_OP_bregx && (ops[0].number == kRsp || ops[0].number == kRbp)) {
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
  return row;
}

// Rows of [start, end), address by address as libdw gives them.
void AppendRange(Dwarf_CFI* cfi, uint64_t start, uint64_t end, std::vector<ap_unwind_row>* out) {
  uint64_t addr = start;
  while (addr < end) {
    Dwarf_Frame* frame = nullptr;
    if (dwarf_cfi_addrframe(cfi, addr, &frame) != 0) break;
    Dwarf_Addr row_start = 0, row_end = 0;
    bool signal = false;
    const bool ok = dwarf_frame_info(frame, &row_start, &row_end, &signal) >= 0 && row_end > addr;
    ap_unwind_row row = ok ? Translate(frame) : ap_unwind_row{};
    free(frame);
    if (!ok) break;
    row.pc = static_cast<uint32_t>(addr);
    out->push_back(row);
    addr = std::min<uint64_t>(row_end, end);
  }
  if (addr < end) {
    ap_unwind_row none{};
    none.pc = static_cast<uint32_t>(addr);
    out->push_back(none);
  }
}

}  // namespace

absl::StatusOr<std::vector<ap_unwind_row>> LibdwReferenceRows(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(path);
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  std::vector<uint64_t> starts;
  size_t phnum = 0;
  if (elf != nullptr && elf_getphdrnum(elf, &phnum) == 0) {
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_GNU_EH_FRAME) continue;
      Elf_Data* data = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_BYTE);
      if (data == nullptr) continue;
      auto hdr = ParseEhFrameHdr(
          absl::MakeConstSpan(static_cast<const uint8_t*>(data->d_buf), data->d_size), ph.p_vaddr);
      if (hdr.ok()) starts = hdr->fde_starts;
    }
  }
  Dwarf_CFI* cfi = elf ? dwarf_getcfi_elf(elf) : nullptr;
  if (cfi == nullptr || starts.empty()) {
    if (cfi) dwarf_cfi_end(cfi);
    if (elf) elf_end(elf);
    close(fd);
    return absl::UnimplementedError(absl::StrCat(path, ": no .eh_frame_hdr that libdw reads"));
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  starts.erase(std::lower_bound(starts.begin(), starts.end(), uint64_t{1} << 32), starts.end());
  std::vector<ap_unwind_row> rows;
  for (size_t i = 0; i < starts.size(); ++i) {
    const uint64_t next = i + 1 < starts.size() ? starts[i + 1] : uint64_t{1} << 32;
    AppendRange(cfi, starts[i], next, &rows);
  }
  dwarf_cfi_end(cfi);
  elf_end(elf);
  close(fd);
  std::vector<ap_unwind_row> merged;
  for (const ap_unwind_row& r : rows) {
    if (!merged.empty() && SameRules(merged.back(), r)) continue;
    merged.push_back(r);
  }
  return merged;
}

}  // namespace allocprof
