#include "userspace/symbols/elf_symbols.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {
namespace {

using Segment = ElfSymbols::Segment;
using Section = ElfSymbols::Section;
using Symbol = ElfSymbols::Symbol;

const std::vector<Segment> kText = {{0x1000, 0x3000, 0x401000, 0x3000}};

std::string NameAt(const ElfSymbols& elf, uint64_t vaddr) {
  const Symbol* s = elf.FindFunction(vaddr);
  return s == nullptr ? "<none>" : s->name;
}

TEST(SymbolsElf, PrefersThePlainNameAmongAliases) {
  std::vector<Symbol> symbols = {{0x401000, 0x20, "__libc_malloc"},
                                 {0x401000, 0x20, "malloc"},
                                 {0x401000, 0x20, "__malloc"},
                                 {0x401000, 0x20, "malloc"}};
  ElfSymbols forward(kText, {}, symbols);
  ElfSymbols backward(kText, {}, {symbols.rbegin(), symbols.rend()});
  EXPECT_EQ(NameAt(forward, 0x401005), "malloc");
  EXPECT_EQ(NameAt(backward, 0x401005), "malloc");
  EXPECT_EQ(forward.symbol_count(), 1u);
}

TEST(SymbolsElf, AliasRuleOrder) {
  // Sized beats unsized, then fewer leading underscores, then shorter,
  // then alphabetical.
  EXPECT_TRUE(PreferredAlias({1, 8, "__sized"}, {1, 0, "label"}));
  EXPECT_TRUE(PreferredAlias({1, 8, "free_long"}, {1, 8, "_free"}));
  EXPECT_TRUE(PreferredAlias({1, 8, "free"}, {1, 8, "frees"}));
  EXPECT_TRUE(PreferredAlias({1, 8, "_ZN1AC1Ev"}, {1, 8, "_ZN1AC2Ev"}));
  EXPECT_FALSE(PreferredAlias({1, 8, "malloc"}, {1, 8, "malloc"}));
}

TEST(SymbolsElf, SizedSymbolsCoverExactlyTheirRange) {
  ElfSymbols elf(kText, {},
                 {{0x401100, 0x10, "b"}, {0x401000, 0x40, "a"}});
  EXPECT_EQ(NameAt(elf, 0x400fff), "<none>");
  EXPECT_EQ(NameAt(elf, 0x401000), "a");
  EXPECT_EQ(NameAt(elf, 0x40103f), "a");
  EXPECT_EQ(NameAt(elf, 0x401040), "<none>");  // padding after a
  EXPECT_EQ(NameAt(elf, 0x401100), "b");
  EXPECT_EQ(NameAt(elf, 0x401110), "<none>");
}

TEST(SymbolsElf, SizeZeroSymbolStopsAtTheEndOfItsSection) {
  // .init holds a size-0 _init; .plt has no symbols; .text starts with a
  // sized one.
  std::vector<Section> sections = {{0x402000, 0x100},   // .text
                                   {0x401000, 0x1b},    // .init
                                   {0x401020, 0x40}};   // .plt
  ElfSymbols elf(kText, sections,
                 {{0x401000, 0, "_init"},
                  {0x402000, 0x10, "main"},
                  {0x402050, 0, "asm_helper"}});
  EXPECT_EQ(NameAt(elf, 0x401000), "_init");
  EXPECT_EQ(NameAt(elf, 0x40101a), "_init");
  EXPECT_EQ(NameAt(elf, 0x40101b), "<none>");  // gap before .plt
  EXPECT_EQ(NameAt(elf, 0x401030), "<none>");  // in .plt
  EXPECT_EQ(NameAt(elf, 0x402055), "asm_helper");
  EXPECT_EQ(NameAt(elf, 0x4020ff), "asm_helper");
  EXPECT_EQ(NameAt(elf, 0x402100), "<none>");  // past .text
}

TEST(SymbolsElf, SizeZeroSymbolWithoutSectionsStopsAtItsSegment) {
  ElfSymbols elf(kText, {}, {{0x401000, 0, "start"}});
  EXPECT_EQ(NameAt(elf, 0x403fff), "start");
  EXPECT_EQ(NameAt(elf, 0x404000), "<none>");
}

TEST(SymbolsElf, FileOffsetToVaddrUsesTheHoldingSegment) {
  ElfSymbols elf({{0x1000, 0x500, 0x401000, 0x500},
                  {0x3000, 0x100, 0x603000, 0x100}},
                 {}, {});
  EXPECT_EQ(elf.FileOffsetToVaddr(0x1000), 0x401000u);
  EXPECT_EQ(elf.FileOffsetToVaddr(0x1010), 0x401010u);
  EXPECT_EQ(elf.FileOffsetToVaddr(0x30ff), 0x6030ffu);
  EXPECT_EQ(elf.FileOffsetToVaddr(0x1500), std::nullopt);
  EXPECT_EQ(elf.FileOffsetToVaddr(0x0fff), std::nullopt);
}

// bcc_elf_foreach_sym opens the path with an ordinary open(), so a file
// reached through a held root directory fd loads like any other.
TEST(SymbolsElf, LoadsLibcThroughARootDirectoryFd) {
  Dl_info info;
  ASSERT_NE(dladdr(reinterpret_cast<void*>(&malloc), &info), 0);
  absl::StatusOr<ProcessHandle> self = ProcessHandle::Open(getpid());
  ASSERT_TRUE(self.ok()) << self.status();

  absl::StatusOr<std::unique_ptr<ElfSymbols>> libc =
      ElfSymbols::Load(self->RootPath(info.dli_fname));
  ASSERT_TRUE(libc.ok()) << libc.status();
  EXPECT_GT((*libc)->symbol_count(), 1000u);
  // A shared object is linked at 0, so its load bias is dli_fbase.
  uint64_t vaddr = reinterpret_cast<uintptr_t>(&malloc) -
                   reinterpret_cast<uintptr_t>(info.dli_fbase);
  const Symbol* s = (*libc)->FindFunction(vaddr + 3);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "malloc");
  EXPECT_EQ(s->vaddr, vaddr);
}

TEST(SymbolsElf, LoadErrors) {
  EXPECT_TRUE(absl::IsNotFound(
      ElfSymbols::Load("/nonexistent/allocprof/lib.so").status()));
  std::string text_file = testing::TempDir() + "/not_elf.txt";
  std::ofstream(text_file) << "plain text, no ELF header here\n";
  EXPECT_TRUE(absl::IsInvalidArgument(ElfSymbols::Load(text_file).status()));
  std::remove(text_file.c_str());
}

}  // namespace
}  // namespace allocprof
