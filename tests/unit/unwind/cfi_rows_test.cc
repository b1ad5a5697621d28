#include "userspace/unwind/cfi_rows.h"

#include <fcntl.h>
#include <dwarf.h>
#include <gelf.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/unwind/address_space_limit.h"
#include "userspace/common/elf_file.h"
#include "userspace/common/target_file.h"

namespace allocprof {
namespace {

// The ELF virtual address of `name` in the .symtab or .dynsym of `path`.
std::optional<uint64_t> SymbolAddress(const std::string& path, const char* name) {
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, kMaxElfBytes);
  if (!file.ok()) return std::nullopt;
  std::optional<uint64_t> found;
  file->ForEachDefinedSymbol({SHT_SYMTAB, SHT_DYNSYM},
                             [&](absl::string_view symbol, const GElf_Sym& sym) {
                               if (!found && symbol == name && sym.st_value != 0) {
                                 found = sym.st_value;
                               }
                             });
  return found;
}

class CfiRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto built = BuildCfiRows(CFI_SAMPLE_PATH);
    ASSERT_TRUE(built.ok()) << built.status();
    rows_ = std::move(built->rows);
    built_ = *std::move(built);
    ASSERT_FALSE(rows_.empty());
  }

  // The row at `vaddr`, which must exist.
  ap_unwind_row At(uint64_t vaddr) {
    const ap_unwind_row* row = FindRow(rows_, vaddr);
    EXPECT_NE(row, nullptr) << "no row at 0x" << std::hex << vaddr;
    return row ? *row : ap_unwind_row{};
  }

  // The first row after the one at `vaddr`.
  ap_unwind_row After(uint64_t vaddr) {
    const ap_unwind_row* row = FindRow(rows_, vaddr);
    EXPECT_NE(row, nullptr);
    EXPECT_NE(row + 1, rows_.data() + rows_.size());
    return row ? row[1] : ap_unwind_row{};
  }

  std::vector<ap_unwind_row> rows_;
  CfiRows built_;
};

TEST_F(CfiRowsTest, EntryIsRspPlus8AndAPushMakesIt16) {
  auto fn = SymbolAddress(CFI_SAMPLE_PATH, "cfi_sample_push");
  ASSERT_TRUE(fn.has_value());
  const ap_unwind_row entry = At(*fn);
  EXPECT_EQ(entry.cfa_type, AP_CFA_RSP);
  EXPECT_EQ(entry.cfa_offset, 8);
  EXPECT_EQ(entry.rbp_rule, AP_RBP_SAME);
  EXPECT_EQ(entry.pc, *fn) << "a function's first row starts at the function";
  // The first push is 1 (push %rbx) or 2 bytes (push %r12) long.
  const ap_unwind_row pushed = After(*fn);
  EXPECT_EQ(pushed.cfa_type, AP_CFA_RSP);
  EXPECT_EQ(pushed.cfa_offset, 16);
  EXPECT_GE(pushed.pc, *fn + 1);
  EXPECT_LE(pushed.pc, *fn + 2);
}

TEST_F(CfiRowsTest, FramePointerFunctionIsRbpBased) {
  auto fn = SymbolAddress(CFI_SAMPLE_PATH, "cfi_sample_fp");
  ASSERT_TRUE(fn.has_value());
  EXPECT_EQ(At(*fn).cfa_offset, 8);
  // push %rbp (1 byte): rsp+16, rbp saved at CFA-16; mov %rsp,%rbp (3
  // bytes): rbp+16.
  const ap_unwind_row pushed = At(*fn + 1);
  EXPECT_EQ(pushed.cfa_type, AP_CFA_RSP);
  EXPECT_EQ(pushed.cfa_offset, 16);
  EXPECT_EQ(pushed.rbp_rule, -2);
  const ap_unwind_row framed = At(*fn + 4);
  EXPECT_EQ(framed.cfa_type, AP_CFA_RBP);
  EXPECT_EQ(framed.cfa_offset, 16);
  EXPECT_EQ(framed.rbp_rule, -2);
}

TEST_F(CfiRowsTest, UndefinedReturnAddressEndsTheStack) {
  auto fn = SymbolAddress(CFI_SAMPLE_PATH, "cfi_sample_outermost");
  ASSERT_TRUE(fn.has_value());
  EXPECT_EQ(At(*fn).cfa_type, AP_CFA_END);
  EXPECT_EQ(At(*fn + 3).cfa_type, AP_CFA_END);
}

TEST_F(CfiRowsTest, PltStubsHaveTheirExpressionRule) {
  int plt_rows = 0;
  for (const ap_unwind_row& r : rows_) {
    if (r.cfa_type != AP_CFA_PLT) continue;
    ++plt_rows;
    // binutils: the index is pushed from byte 11 (lazy .plt) or 10 (.plt.sec).
    EXPECT_TRUE(r.cfa_offset == 11 || r.cfa_offset == 10) << r.cfa_offset;
  }
  EXPECT_GT(plt_rows, 0) << "calls to cfi_sample_sink go through the PLT";
  EXPECT_EQ(built_.unsupported, 0u);
}

TEST_F(CfiRowsTest, SortedAndMerged) {
  for (size_t i = 1; i < rows_.size(); ++i) {
    EXPECT_LT(rows_[i - 1].pc, rows_[i].pc) << "row " << i;
    const bool same = rows_[i - 1].cfa_type == rows_[i].cfa_type &&
                      rows_[i - 1].cfa_offset == rows_[i].cfa_offset &&
                      rows_[i - 1].rbp_rule == rows_[i].rbp_rule;
    EXPECT_FALSE(same) << "rows " << i - 1 << " and " << i << " should be one";
  }
  // Past the last function, no CFI.
  EXPECT_EQ(rows_.back().cfa_type, AP_CFA_NONE);
}

TEST_F(CfiRowsTest, BuildIdIsRead) {
  EXPECT_EQ(built_.build_id.size(), 40u) << "GNU ld writes a 20-byte SHA-1 build ID";
  EXPECT_EQ(ReadBuildId(CFI_SAMPLE_PATH), built_.build_id);
}

TEST_F(CfiRowsTest, WithoutEhFrameHdrTheEhFrameSectionIsRead) {
  auto scanned = BuildCfiRows(CFI_SAMPLE_NOHDR_PATH);
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  for (const char* name : {"cfi_sample_push", "cfi_sample_fp", "cfi_sample_outermost"}) {
    SCOPED_TRACE(name);
    auto fn = SymbolAddress(CFI_SAMPLE_NOHDR_PATH, name);
    auto same_fn = SymbolAddress(CFI_SAMPLE_PATH, name);
    ASSERT_TRUE(fn.has_value() && same_fn.has_value());
    for (uint64_t at = 0; at < 8; ++at) {
      const ap_unwind_row* row = FindRow(scanned->rows, *fn + at);
      ASSERT_NE(row, nullptr);
      const ap_unwind_row expected = At(*same_fn + at);
      EXPECT_EQ(row->cfa_type, expected.cfa_type) << "+" << at;
      EXPECT_EQ(row->cfa_offset, expected.cfa_offset) << "+" << at;
      EXPECT_EQ(row->rbp_rule, expected.rbp_rule) << "+" << at;
    }
  }
}

// Objects built without unwind tables keep their CFI in .debug_frame only.
TEST_F(CfiRowsTest, DebugFrameFillsWhatEhFrameLacks) {
  auto both = BuildCfiRows(CFI_SAMPLE_DEBUG_FRAME_PATH);
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_TRUE(both->had_debug_frame);
  auto fn = SymbolAddress(CFI_SAMPLE_DEBUG_FRAME_PATH, "cfi_sample_push");
  ASSERT_TRUE(fn.has_value());
  const ap_unwind_row* entry = FindRow(both->rows, *fn);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->cfa_type, AP_CFA_RSP);
  EXPECT_EQ(entry->cfa_offset, 8);
  const ap_unwind_row* pushed = FindRow(both->rows, *fn + 2);
  ASSERT_NE(pushed, nullptr);
  EXPECT_EQ(pushed->cfa_offset, 16);
  // The assembly's CFI came through too.
  auto outermost = SymbolAddress(CFI_SAMPLE_DEBUG_FRAME_PATH, "cfi_sample_outermost");
  ASSERT_TRUE(outermost.has_value());
  const ap_unwind_row* end = FindRow(both->rows, *outermost);
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->cfa_type, AP_CFA_END);
  for (size_t i = 1; i < both->rows.size(); ++i) {
    EXPECT_LT(both->rows[i - 1].pc, both->rows[i].pc);
  }
}

// An .eh_frame_hdr: version 1, eh_frame_ptr pcrel sdata4, count udata4,
// table datarel sdata4, then `count` and the table as given.
std::vector<uint8_t> EhFrameHdr(uint32_t count, const std::vector<int32_t>& table) {
  std::vector<uint8_t> hdr = {1, DW_EH_PE_pcrel | DW_EH_PE_sdata4, DW_EH_PE_udata4,
                              DW_EH_PE_datarel | DW_EH_PE_sdata4, 0, 0, 0, 0};
  auto put = [&hdr](uint32_t v) {
    for (int i = 0; i < 4; ++i) hdr.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  put(count);
  for (int32_t v : table) put(static_cast<uint32_t>(v));
  return hdr;
}

TEST(EhFrameHdr, ListsTheFdeStartsAndFindsTheEhFrame) {
  auto hdr = ParseEhFrameHdr(EhFrameHdr(2, {0x100, 0x200, 0x180, 0x280}), 0x1000);
  ASSERT_TRUE(hdr.ok()) << hdr.status();
  EXPECT_THAT(hdr->fde_starts, testing::ElementsAre(0x1100u, 0x1180u));
  // The .eh_frame pointer (0, pcrel) is relative to itself: byte 4.
  EXPECT_EQ(hdr->eh_frame, 0x1004u);
}

TEST(EhFrameHdr, CountBeyondTheTableIsRefusedBeforeAllocating) {
  // 0xffffffff entries would be a 32 GiB vector; the section holds none.
  auto starts = ParseEhFrameHdr(EhFrameHdr(0xffffffff, {}), 0x1000);
  ASSERT_FALSE(starts.ok());
  EXPECT_THAT(std::string(starts.status().message()),
              testing::HasSubstr("lists 4294967295 FDEs but has room for 0"));
  // One more than the table holds.
  starts = ParseEhFrameHdr(EhFrameHdr(3, {0x100, 0x200, 0x180, 0x280}), 0x1000);
  EXPECT_FALSE(starts.ok());
  EXPECT_FALSE(ParseEhFrameHdr(std::vector<uint8_t>{1, 0x1b}, 0).ok());
}

// A copy of the object whose .eh_frame_hdr claims 2^32-1 FDEs: refused
// before anything is sized from the count, and not taken for an object
// without CFI.
TEST(CfiRows, HugeFdeCountInTheObjectIsAnError) {
  const std::string copy = testing::TempDir() + "/cfi_sample_fde_count.so";
  {
    std::ifstream in(CFI_SAMPLE_PATH, std::ios::binary);
    std::ofstream out(copy, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
  }
  {
    int fd = open(copy.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    elf_version(EV_CURRENT);
    Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
    ASSERT_NE(elf, nullptr);
    size_t phnum = 0;
    ASSERT_EQ(elf_getphdrnum(elf, &phnum), 0);
    std::optional<uint64_t> hdr;
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_GNU_EH_FRAME) hdr = ph.p_offset;
    }
    elf_end(elf);
    ASSERT_TRUE(hdr.has_value());
    // The count follows the header's 4 bytes and its 4-byte .eh_frame
    // pointer (EhFrameHdr below).
    const uint32_t count = 0xffffffff;
    ASSERT_EQ(pwrite(fd, &count, sizeof(count), static_cast<off_t>(*hdr + 8)), 4);
    close(fd);
  }
  auto built = BuildCfiRows(copy);
  std::remove(copy.c_str());
  ASSERT_FALSE(built.ok());
  EXPECT_THAT(std::string(built.status().message()), testing::HasSubstr("lists 4294967295 FDEs"));
}

// A copy of the object without .eh_frame_hdr whose executable segment
// claims 3.75 GiB in memory: the rows come from the FDEs, whatever the
// segments claim.
TEST_F(CfiRowsTest, HugeMemorySizeDoesNotStretchTheScan) {
  const std::string copy = testing::TempDir() + "/cfi_sample_nohdr_huge.so";
  {
    std::ifstream in(CFI_SAMPLE_NOHDR_PATH, std::ios::binary);
    std::ofstream out(copy, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
  }
  {
    int fd = open(copy.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    elf_version(EV_CURRENT);
    Elf* elf = elf_begin(fd, ELF_C_RDWR, nullptr);
    ASSERT_NE(elf, nullptr);
    elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);  // touch nothing else
    size_t phnum = 0;
    ASSERT_EQ(elf_getphdrnum(elf, &phnum), 0);
    bool patched = false;
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
      ph.p_memsz = 0xf0000000;
      ASSERT_NE(gelf_update_phdr(elf, i, &ph), 0);
      patched = true;
    }
    ASSERT_TRUE(patched);
    ASSERT_GE(elf_update(elf, ELF_C_WRITE), 0) << elf_errmsg(-1);
    elf_end(elf);
    close(fd);
  }
  {
    // The copy says what the test needs it to.
    int fd = open(copy.c_str(), O_RDONLY | O_CLOEXEC);
    Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
    size_t phnum = 0;
    uint64_t largest = 0;
    elf_getphdrnum(elf, &phnum);
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD) largest = std::max(largest, ph.p_memsz);
    }
    elf_end(elf);
    close(fd);
    ASSERT_EQ(largest, 0xf0000000u);
  }
  auto original = BuildCfiRows(CFI_SAMPLE_NOHDR_PATH);
  ASSERT_TRUE(original.ok()) << original.status();
  const auto start = std::chrono::steady_clock::now();
  auto huge = BuildCfiRows(copy);
  const auto took = std::chrono::steady_clock::now() - start;
  std::remove(copy.c_str());
  ASSERT_TRUE(huge.ok()) << huge.status();
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_EQ(huge->rows.size(), original->rows.size());
  EXPECT_EQ(huge->skipped, "");
}

// An object whose CFI names a register near 2^27 (cfi_huge_register.c):
// libdw's interpreter would need about 2 GiB for it, and fail here, where
// only 256 MiB of address space are left. Its rows must come out right.
TEST(CfiRows, HugeRegisterNumbersCostNothing) {
  auto fn = SymbolAddress(CFI_HUGE_REGISTER_PATH, "cfi_huge_register");
  ASSERT_TRUE(fn.has_value());
  absl::StatusOr<CfiRows> built = absl::UnknownError("not built");
  {
    AddressSpaceLimit limit(rlim_t{256} << 20);
    ASSERT_TRUE(limit.ok());
    built = BuildCfiRows(CFI_HUGE_REGISTER_PATH);
  }
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->skipped, "");
  // push %rbx (1 byte), pop %rbx (1 byte), ret.
  const uint16_t expected[] = {8, 16, 8};
  for (uint64_t at = 0; at < 3; ++at) {
    const ap_unwind_row* row = FindRow(built->rows, *fn + at);
    ASSERT_NE(row, nullptr) << "+" << at;
    EXPECT_EQ(row->cfa_type, AP_CFA_RSP) << "+" << at;
    EXPECT_EQ(row->cfa_offset, expected[at]) << "+" << at;
  }
  const ap_unwind_row* after = FindRow(built->rows, *fn + 3);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->cfa_type, AP_CFA_NONE);
}

TEST(CfiRows, UnreadableFileIsAnError) {
  EXPECT_FALSE(BuildCfiRows("/nonexistent/object.so").ok());
}

TEST(FindRow, LastRowAtOrBelowTheAddress) {
  const std::vector<ap_unwind_row> rows = {
      {0x1000, 8, AP_CFA_RSP, 0}, {0x1004, 16, AP_CFA_RSP, 0}, {0x1010, 0, AP_CFA_NONE, 0}};
  EXPECT_EQ(FindRow(rows, 0xfff), nullptr);
  EXPECT_EQ(FindRow(rows, 0x1000), &rows[0]);
  EXPECT_EQ(FindRow(rows, 0x1003), &rows[0]);
  EXPECT_EQ(FindRow(rows, 0x1004), &rows[1]);
  EXPECT_EQ(FindRow(rows, 0x100f), &rows[1]);
  EXPECT_EQ(FindRow(rows, 0x5000), &rows[2]);
  EXPECT_EQ(FindRow({}, 0x1000), nullptr);
}

}  // namespace
}  // namespace allocprof
