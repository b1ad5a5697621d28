#include "userspace/unwind/cfi_program.h"

#include <dwarf.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/unwind/address_space_limit.h"

namespace allocprof {
namespace {

using Bytes = std::vector<uint8_t>;

void PutUleb(Bytes* b, uint64_t v) {
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    if (v) byte |= 0x80;
    b->push_back(byte);
  } while (v);
}

// A CIE as GCC writes it for x86-64: "zR", code alignment 1, data
// alignment -8, FDE addresses pcrel sdata4; then `initial`.
struct TestCie {
  Bytes augmentation_data = {DW_EH_PE_pcrel | DW_EH_PE_sdata4};
  Bytes initial;
  std::string augmentation = "zR";

  Dwarf_CIE Entry() const {
    Dwarf_CIE e{};
    e.augmentation = augmentation.c_str();
    e.augmentation_data = augmentation_data.data();
    e.augmentation_data_size = augmentation_data.size();
    e.code_alignment_factor = 1;
    e.data_alignment_factor = -8;
    e.return_address_register = kDwarfReturnAddress;
    e.initial_instructions = initial.data();
    e.initial_instructions_end = initial.data() + initial.size();
    return e;
  }
};

// GCC's usual CIE program: CFA = rsp + 8, return address at CFA - 8.
Bytes GccInitial() { return {DW_CFA_def_cfa, 7, 8, DW_CFA_offset | 16, 1}; }

struct Row {
  uint64_t pc;
  CfiRules rules;
};

struct Ran {
  absl::Status status;
  std::vector<Row> rows;
  uint64_t failed_at = 0;
};

Ran RunFde(const CfiCie& cie, const Bytes& program, uint64_t start = 0x1000,
           uint64_t end = 0x1100) {
  Ran ran;
  ran.status = RunFdeProgram(
      cie, start, end, CfiReader(program.data(), program.data() + program.size()),
      [&ran](uint64_t pc, const CfiRules& rules) { ran.rows.push_back({pc, rules}); },
      &ran.failed_at);
  return ran;
}

CfiCie GccCie() {
  TestCie t;
  t.initial = GccInitial();
  auto cie = ReadCie(t.Entry(), {});
  EXPECT_TRUE(cie.ok()) << cie.status();
  return cie.ok() ? *cie : CfiCie{};
}

TEST(CfiProgram, CieSetsTheStartingRules) {
  const CfiCie cie = GccCie();
  EXPECT_EQ(cie.fde_encoding, DW_EH_PE_pcrel | DW_EH_PE_sdata4);
  EXPECT_TRUE(cie.sized_augmentation);
  EXPECT_EQ(cie.initial.cfa, CfiRules::kCfaRegister);
  EXPECT_EQ(cie.initial.cfa_register, kDwarfRsp);
  EXPECT_EQ(cie.initial.cfa_offset, 8);
  EXPECT_EQ(cie.initial.return_address, (CfiRegisterRule{CfiRegisterRule::kAtCfa, -8}));
  // rbp keeps its value until a program says otherwise (the ABI's rule).
  EXPECT_EQ(cie.initial.rbp.kind, CfiRegisterRule::kSameValue);
}

TEST(CfiProgram, PushAndFramePointerGiveTheirRows) {
  // push %rbp; mov %rsp,%rbp; ... ; as GCC describes them.
  const Bytes program = {DW_CFA_advance_loc | 1, DW_CFA_def_cfa_offset, 16, DW_CFA_offset | 6, 2,
                         DW_CFA_advance_loc | 3, DW_CFA_def_cfa_register, 6};
  Ran ran = RunFde(GccCie(), program);
  ASSERT_TRUE(ran.status.ok()) << ran.status;
  ASSERT_EQ(ran.rows.size(), 3u);
  EXPECT_EQ(ran.rows[0].pc, 0x1000u);
  EXPECT_EQ(ran.rows[0].rules.cfa_offset, 8);
  EXPECT_EQ(ran.rows[1].pc, 0x1001u);
  EXPECT_EQ(ran.rows[1].rules.cfa_offset, 16);
  EXPECT_EQ(ran.rows[1].rules.rbp, (CfiRegisterRule{CfiRegisterRule::kAtCfa, -16}));
  EXPECT_EQ(ran.rows[2].pc, 0x1004u);
  EXPECT_EQ(ran.rows[2].rules.cfa_register, kDwarfRbp);
  EXPECT_EQ(ran.rows[2].rules.cfa_offset, 16);
}

TEST(CfiProgram, RememberAndRestoreState) {
  const Bytes program = {DW_CFA_advance_loc | 1, DW_CFA_def_cfa_offset, 16,
                         DW_CFA_remember_state,  DW_CFA_advance_loc | 1,
                         DW_CFA_def_cfa_offset, 8, DW_CFA_advance_loc | 1,
                         DW_CFA_restore_state};
  Ran ran = RunFde(GccCie(), program);
  ASSERT_TRUE(ran.status.ok()) << ran.status;
  ASSERT_EQ(ran.rows.size(), 4u);
  EXPECT_EQ(ran.rows[2].rules.cfa_offset, 8);
  EXPECT_EQ(ran.rows[3].pc, 0x1003u);
  EXPECT_EQ(ran.rows[3].rules.cfa_offset, 16);
}

TEST(CfiProgram, RestoreReturnsToTheCiesRule) {
  const Bytes program = {DW_CFA_offset | 6, 2, DW_CFA_advance_loc | 4, DW_CFA_restore | 6};
  Ran ran = RunFde(GccCie(), program);
  ASSERT_TRUE(ran.status.ok()) << ran.status;
  ASSERT_EQ(ran.rows.size(), 2u);
  EXPECT_EQ(ran.rows[0].rules.rbp.kind, CfiRegisterRule::kAtCfa);
  EXPECT_EQ(ran.rows[1].rules.rbp.kind, CfiRegisterRule::kSameValue);
}

TEST(CfiProgram, AdvancesPastTheEndStopTheRows) {
  const Bytes program = {DW_CFA_advance_loc1, 0xff, DW_CFA_def_cfa_offset, 16,
                         DW_CFA_advance_loc2, 0xff, 0x7f, DW_CFA_def_cfa_offset, 24};
  Ran ran = RunFde(GccCie(), program, 0x1000, 0x1010);
  ASSERT_TRUE(ran.status.ok()) << ran.status;
  ASSERT_EQ(ran.rows.size(), 1u);
  EXPECT_EQ(ran.rows[0].pc, 0x1000u);
}

// What libdw would size a register array from: a register number near
// 2^27 (about 2 GiB of rules), and one of 2^64 - 1. The walker follows
// rbp, rsp and the return address only: the others cost nothing, so this
// runs with 256 MiB of address space to spare.
TEST(CfiProgram, HugeRegisterNumbersCostNothing) {
  Bytes program;
  for (uint64_t reg : {uint64_t{134217000}, ~uint64_t{0}}) {
    program.push_back(DW_CFA_offset_extended);
    PutUleb(&program, reg);
    PutUleb(&program, 2);
    program.push_back(DW_CFA_remember_state);
    program.push_back(DW_CFA_same_value);
    PutUleb(&program, reg);
    program.push_back(DW_CFA_restore_extended);
    PutUleb(&program, reg);
    program.push_back(DW_CFA_val_expression);
    PutUleb(&program, reg);
    PutUleb(&program, 0);
  }
  const CfiCie cie = GccCie();
  Ran ran;
  {
    AddressSpaceLimit limit(rlim_t{256} << 20);
    ASSERT_TRUE(limit.ok());
    ran = RunFde(cie, program);
  }
  ASSERT_TRUE(ran.status.ok()) << ran.status;
  ASSERT_EQ(ran.rows.size(), 1u);
  EXPECT_EQ(ran.rows[0].rules.cfa_offset, 8);
  EXPECT_EQ(ran.rows[0].rules.rbp.kind, CfiRegisterRule::kSameValue);
}

TEST(CfiProgram, RememberedStatesAreBounded) {
  Bytes program(kMaxRememberedStates + 1, DW_CFA_remember_state);
  Ran ran = RunFde(GccCie(), program);
  EXPECT_FALSE(ran.status.ok());
  EXPECT_EQ(ran.failed_at, 0x1000u);
}

TEST(CfiProgram, MalformedProgramsFailWhereTheyBreak) {
  struct Case {
    const char* what;
    Bytes program;
    uint64_t failed_at;
  };
  const std::vector<Case> cases = {
      {"an unknown opcode", {DW_CFA_advance_loc | 2, 0x3f}, 0x1002},
      {"a restore of an unremembered state", {DW_CFA_restore_state}, 0x1000},
      {"a truncated operand", {DW_CFA_advance_loc | 1, DW_CFA_def_cfa, 7}, 0x1001},
      {"a block longer than the program", {DW_CFA_def_cfa_expression, 0x40, 1}, 0x1000},
      {"a location moved backwards",
       {DW_CFA_advance_loc | 8, DW_CFA_set_loc, 0x00, 0x00, 0x00, 0x00},
       0x1008},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Ran ran = RunFde(GccCie(), c.program);
    EXPECT_FALSE(ran.status.ok());
    EXPECT_EQ(ran.failed_at, c.failed_at);
    // The rows before the failure stand.
    for (const Row& r : ran.rows) EXPECT_LT(r.pc, c.failed_at);
  }
}

TEST(CfiProgram, CieProgramsMayNotMoveOrRestore) {
  for (const Bytes& initial : {Bytes{DW_CFA_advance_loc | 1}, Bytes{DW_CFA_restore | 6},
                               Bytes{DW_CFA_set_loc, 0, 0, 0, 0}}) {
    TestCie t;
    t.initial = initial;
    EXPECT_FALSE(ReadCie(t.Entry(), {}).ok());
  }
}

TEST(CfiProgram, CieAugmentations) {
  TestCie personality;  // "zPLR" as g++ writes for code that can throw
  personality.augmentation = "zPLR";
  personality.augmentation_data = {DW_EH_PE_indirect | DW_EH_PE_pcrel | DW_EH_PE_sdata4,
                                   1, 2, 3, 4,
                                   DW_EH_PE_pcrel | DW_EH_PE_sdata4,
                                   DW_EH_PE_pcrel | DW_EH_PE_sdata4};
  personality.initial = GccInitial();
  auto cie = ReadCie(personality.Entry(), {});
  ASSERT_TRUE(cie.ok()) << cie.status();
  EXPECT_EQ(cie->fde_encoding, DW_EH_PE_pcrel | DW_EH_PE_sdata4);

  TestCie short_data = personality;
  short_data.augmentation_data.resize(3);
  EXPECT_FALSE(ReadCie(short_data.Entry(), {}).ok());

  TestCie unknown;
  unknown.augmentation = "xyz";
  EXPECT_FALSE(ReadCie(unknown.Entry(), {}).ok());

  TestCie plain;  // .debug_frame's: no augmentation, absolute addresses
  plain.augmentation = "";
  plain.initial = GccInitial();
  cie = ReadCie(plain.Entry(), {});
  ASSERT_TRUE(cie.ok()) << cie.status();
  EXPECT_FALSE(cie->sized_augmentation);
  EXPECT_EQ(cie->fde_encoding, DW_EH_PE_absptr);
}

TEST(CfiReader, PointersAndNumbers) {
  const Bytes bytes = {0xe5, 0x8e, 0x26,        // ULEB128 624485
                       0xc0, 0xbb, 0x78,        // SLEB128 -123456
                       0xf0, 0xff, 0xff, 0xff,  // sdata4 -16, pcrel
                       0x7f};                   // truncated ULEB128
  CfiReader in(bytes.data(), bytes.data() + bytes.size(), {0x5000, 0});
  EXPECT_EQ(in.Uleb128(), 624485u);
  EXPECT_EQ(in.Sleb128(), -123456);
  EXPECT_EQ(in.Pointer(DW_EH_PE_pcrel | DW_EH_PE_sdata4), 0x5006u - 16);
  EXPECT_TRUE(in.ok());
  EXPECT_EQ(in.U16(), 0u);
  EXPECT_FALSE(in.ok()) << "two bytes asked, one left";
  EXPECT_EQ(in.U8(), 0u) << "a failed reader stays failed";
  CfiReader odd(bytes.data(), bytes.data() + bytes.size());
  EXPECT_EQ(odd.Pointer(DW_EH_PE_textrel | DW_EH_PE_udata4), 0u);
  EXPECT_FALSE(odd.ok());
}

}  // namespace
}  // namespace allocprof
