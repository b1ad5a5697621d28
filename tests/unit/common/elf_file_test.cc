// ElfFile on a small ELF file written here, byte by byte, and on what a
// hostile target can make of one: headers that point past the end of the
// file, a note segment of a bogus size, no build ID, a file that is not ELF,
// and the FIFOs and links OpenTargetFile refuses.
#include "userspace/common/elf_file.h"

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "userspace/common/target_file.h"

namespace allocprof {
namespace {

constexpr uint64_t kTextVaddr = 0x401000;
constexpr char kBuildId[] = "\x01\x23\x45\x67\x89\xab\xcd\xef";
constexpr char kNames[] = "\0.text\0.note.gnu.build-id\0.shstrtab";

// A 64-bit executable: one PT_LOAD of the whole file at 0x400000 and one
// PT_NOTE with a GNU build ID; sections .text, the note and the section
// names. Each part's place is kept so a test can spoil it.
struct TinyElf {
  Elf64_Ehdr ehdr = {};
  Elf64_Phdr load = {};
  Elf64_Phdr note_segment = {};
  Elf64_Shdr sections[4] = {};  // null, .text, .note.gnu.build-id, .shstrtab
  bool with_build_id = true;
  bool with_sections = true;

  static constexpr uint64_t kPhOff = sizeof(Elf64_Ehdr);
  static constexpr uint64_t kNoteOff = kPhOff + 2 * sizeof(Elf64_Phdr);
  static constexpr uint64_t kNoteSize = sizeof(Elf64_Nhdr) + 4 + 8;
  static constexpr uint64_t kTextOff = kNoteOff + kNoteSize;
  static constexpr uint64_t kTextSize = 16;
  static constexpr uint64_t kNamesOff = kTextOff + kTextSize;
  static constexpr uint64_t kShOff = (kNamesOff + sizeof(kNames) + 7) & ~uint64_t{7};
  static constexpr uint64_t kSize = kShOff + 4 * sizeof(Elf64_Shdr);

  TinyElf() {
    std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
    ehdr.e_ident[EI_CLASS] = ELFCLASS64;
    ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
    ehdr.e_ident[EI_VERSION] = EV_CURRENT;
    ehdr.e_type = ET_EXEC;
    ehdr.e_machine = EM_X86_64;
    ehdr.e_version = EV_CURRENT;
    ehdr.e_entry = kTextVaddr;
    ehdr.e_phoff = kPhOff;
    ehdr.e_shoff = kShOff;
    ehdr.e_ehsize = sizeof(Elf64_Ehdr);
    ehdr.e_phentsize = sizeof(Elf64_Phdr);
    ehdr.e_phnum = 2;
    ehdr.e_shentsize = sizeof(Elf64_Shdr);
    ehdr.e_shnum = 4;
    ehdr.e_shstrndx = 3;

    // The whole file from offset 0, placed so that .text lands at
    // kTextVaddr.
    load.p_type = PT_LOAD;
    load.p_flags = PF_R | PF_X;
    load.p_offset = 0;
    load.p_vaddr = kTextVaddr - kTextOff;
    load.p_filesz = kSize;
    load.p_memsz = kSize;
    load.p_align = 0x1000;

    note_segment.p_type = PT_NOTE;
    note_segment.p_flags = PF_R;
    note_segment.p_offset = kNoteOff;
    note_segment.p_vaddr = load.p_vaddr + kNoteOff;
    note_segment.p_filesz = kNoteSize;
    note_segment.p_memsz = kNoteSize;
    note_segment.p_align = 4;

    sections[1] = Section(1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, kTextOff, kTextSize);
    sections[2] = Section(7, SHT_NOTE, SHF_ALLOC, kNoteOff, kNoteSize);
    sections[3] = Section(26, SHT_STRTAB, 0, kNamesOff, sizeof(kNames));
  }

  static Elf64_Shdr Section(uint32_t name, uint32_t type, uint64_t flags, uint64_t offset,
                            uint64_t size) {
    Elf64_Shdr sh = {};
    sh.sh_name = name;
    sh.sh_type = type;
    sh.sh_flags = flags;
    sh.sh_offset = offset;
    sh.sh_addr = (flags & SHF_ALLOC) ? kTextVaddr - kTextOff + offset : 0;
    sh.sh_size = size;
    sh.sh_addralign = 1;
    return sh;
  }

  std::string Bytes() const {
    std::string out(kSize, '\0');
    Elf64_Ehdr e = ehdr;
    if (!with_sections) e.e_shoff = e.e_shnum = e.e_shstrndx = 0;
    std::memcpy(&out[0], &e, sizeof(e));
    std::memcpy(&out[kPhOff], &load, sizeof(load));
    std::memcpy(&out[kPhOff + sizeof(load)], &note_segment, sizeof(note_segment));
    Elf64_Nhdr nhdr = {4, 8, static_cast<Elf64_Word>(with_build_id ? NT_GNU_BUILD_ID : NT_GNU_ABI_TAG)};
    std::memcpy(&out[kNoteOff], &nhdr, sizeof(nhdr));
    std::memcpy(&out[kNoteOff + sizeof(nhdr)], "GNU", 4);
    std::memcpy(&out[kNoteOff + sizeof(nhdr) + 4], kBuildId, 8);
    std::memset(&out[kTextOff], 0x90, kTextSize);  // nops
    std::memcpy(&out[kNamesOff], kNames, sizeof(kNames));
    if (with_sections) std::memcpy(&out[kShOff], sections, sizeof(sections));
    return out;
  }
};

class CommonElfFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/allocprof-elf-file-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    for (const std::string& path : made_) unlink(path.c_str());
    rmdir(dir_.c_str());
  }
  std::string Made(const std::string& name) {
    made_.push_back(absl::StrCat(dir_, "/", name));
    return made_.back();
  }
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = Made(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  absl::StatusOr<ElfFile> OpenWritten(const TinyElf& elf) {
    return ElfFile::Open(Write("tiny", elf.Bytes()), kMaxElfBytes);
  }

  std::string dir_;
  std::vector<std::string> made_;
};

TEST_F(CommonElfFile, ReadsHeadersSectionsAndBuildId) {
  absl::StatusOr<ElfFile> file = OpenWritten(TinyElf());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->size(), TinyElf::kSize);
  EXPECT_EQ(file->BuildId(), "0123456789abcdef");

  absl::StatusOr<std::vector<GElf_Phdr>> headers = file->ProgramHeaders();
  ASSERT_TRUE(headers.ok()) << headers.status();
  EXPECT_EQ(headers->size(), 2u);
  ASSERT_EQ(file->Segments(PT_NOTE).size(), 1u);
  EXPECT_EQ(file->Segments(PT_NOTE)[0].p_offset, TinyElf::kNoteOff);

  std::optional<ElfSection> text = file->FindSection(".text", SHT_PROGBITS);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->header.sh_addr, kTextVaddr);
  Elf_Data* bytes = file->RawData(*text);
  ASSERT_NE(bytes, nullptr);
  ASSERT_EQ(bytes->d_size, TinyElf::kTextSize);
  EXPECT_EQ(static_cast<const unsigned char*>(bytes->d_buf)[0], 0x90);
  // A name with the wrong type is not that section.
  EXPECT_FALSE(file->FindSection(".text", SHT_NOTE).has_value());
  EXPECT_FALSE(file->FindSection(".data", SHT_PROGBITS).has_value());
}

TEST_F(CommonElfFile, MapsAddressesToFileOffsetsAndBack) {
  absl::StatusOr<ElfFile> file = OpenWritten(TinyElf());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->VaddrToOffset(kTextVaddr), TinyElf::kTextOff);
  EXPECT_EQ(file->OffsetToVaddr(TinyElf::kTextOff), kTextVaddr);
  // Past the segment's file bytes: nothing there.
  const uint64_t end = kTextVaddr - TinyElf::kTextOff + TinyElf::kSize;
  EXPECT_EQ(file->VaddrToOffset(end), std::nullopt);
  EXPECT_EQ(file->OffsetToVaddr(TinyElf::kSize), std::nullopt);
  EXPECT_EQ(file->VaddrToOffset(0), std::nullopt);
}

TEST_F(CommonElfFile, LoadBiasIsMappedAddressMinusVirtualAddress) {
  absl::StatusOr<ElfFile> file = OpenWritten(TinyElf());
  ASSERT_TRUE(file.ok()) << file.status();
  // Mapped from offset 0 at 0x7f0000000000: the segment's vaddr lands there.
  const uint64_t segment_vaddr = kTextVaddr - TinyElf::kTextOff;
  absl::StatusOr<uint64_t> bias = file->LoadBias(0x7f0000000000, 0);
  ASSERT_TRUE(bias.ok()) << bias.status();
  EXPECT_EQ(*bias, 0x7f0000000000 - segment_vaddr);
  // And the same through a path.
  bias = LoadBias(file->path(), 0x7f0000000000, 0);
  ASSERT_TRUE(bias.ok()) << bias.status();
  EXPECT_EQ(*bias, 0x7f0000000000 - segment_vaddr);
  // No segment holds an offset past the file.
  bias = file->LoadBias(0x7f0000000000, 0x100000);
  EXPECT_TRUE(absl::IsNotFound(bias.status())) << bias.status();
}

TEST_F(CommonElfFile, ListsDefinedSymbolsOfNoTableWhenThereIsNone) {
  absl::StatusOr<ElfFile> file = OpenWritten(TinyElf());
  ASSERT_TRUE(file.ok()) << file.status();
  int seen = 0;
  file->ForEachDefinedSymbol({SHT_SYMTAB, SHT_DYNSYM},
                             [&](absl::string_view, const GElf_Sym&) { ++seen; });
  EXPECT_EQ(seen, 0);
}

TEST_F(CommonElfFile, RefusesASectionThatRunsPastTheEndOfTheFile) {
  TinyElf elf;
  elf.sections[1].sh_offset = TinyElf::kSize - 4;  // .text: 16 bytes from 4 before the end
  absl::StatusOr<ElfFile> file = OpenWritten(elf);
  ASSERT_TRUE(file.ok()) << file.status();
  std::optional<ElfSection> text = file->FindSection(".text", SHT_PROGBITS);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(file->RawData(*text), nullptr);

  // An offset and size whose sum wraps around.
  elf.sections[1].sh_offset = 8;
  elf.sections[1].sh_size = ~uint64_t{0} - 4;
  file = OpenWritten(elf);
  ASSERT_TRUE(file.ok()) << file.status();
  text = file->FindSection(".text", SHT_PROGBITS);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(file->RawData(*text), nullptr);

  EXPECT_EQ(file->RawChunk(TinyElf::kSize - 4, 8), nullptr);
  EXPECT_EQ(file->RawChunk(8, ~uint64_t{0}), nullptr);
  EXPECT_NE(file->RawChunk(0, TinyElf::kSize), nullptr);
}

TEST_F(CommonElfFile, ANoteSegmentOfABogusSizeGivesNoBuildId) {
  TinyElf elf;
  elf.with_sections = false;  // so the build ID is looked for in PT_NOTE
  elf.note_segment.p_filesz = uint64_t{1} << 40;
  absl::StatusOr<ElfFile> file = OpenWritten(elf);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->BuildId(), "");
  EXPECT_TRUE(file->Sections().empty());

  // A note whose descriptor size runs past its segment.
  elf.note_segment.p_filesz = sizeof(Elf64_Nhdr) + 4 + 4;
  file = OpenWritten(elf);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->BuildId(), "");

  // The sound segment alone, for contrast.
  elf.note_segment.p_filesz = TinyElf::kNoteSize;
  file = OpenWritten(elf);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->BuildId(), "0123456789abcdef");
}

TEST_F(CommonElfFile, AFileWithoutABuildIdHasAnEmptyOne) {
  TinyElf elf;
  elf.with_build_id = false;
  absl::StatusOr<ElfFile> file = OpenWritten(elf);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->BuildId(), "");
  EXPECT_EQ(ReadBuildId(file->path()), "");
}

TEST_F(CommonElfFile, RefusesAFileThatIsNotElf) {
  const std::string path = Write("text", "#!/bin/sh\necho not an object\n");
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, kMaxElfBytes);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(file.status())) << file.status();
  EXPECT_TRUE(absl::StrContains(file.status().message(), "is not an ELF file")) << file.status();
  EXPECT_EQ(ReadBuildId(path), "");
  // An empty file neither.
  EXPECT_FALSE(ElfFile::Open(Write("empty", ""), kMaxElfBytes).ok());
}

TEST_F(CommonElfFile, RefusesAFileOverItsCap) {
  const std::string path = Write("tiny", TinyElf().Bytes());
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, TinyElf::kSize - 1);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(file.status())) << file.status();
}

TEST_F(CommonElfFile, RefusesAFifoWithoutBlocking) {
  const std::string path = Made("fifo");
  ASSERT_EQ(mkfifo(path.c_str(), 0644), 0);
  absl::StatusOr<ElfFile> file = ElfFile::Open(path, kMaxElfBytes);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(file.status())) << file.status();
}

TEST_F(CommonElfFile, ASymlinkInsideATargetsRootStaysInThatRoot) {
  // The real object beside the root, and a link in the root that names it
  // by its absolute host path: through the root that path means the root's
  // own, which does not exist.
  const std::string object = Write("tiny", TinyElf().Bytes());
  const std::string root_dir = absl::StrCat(dir_, "/root");
  const std::string link = root_dir + "/lib.so";
  ASSERT_EQ(mkdir(root_dir.c_str(), 0755), 0);
  ASSERT_EQ(symlink(object.c_str(), link.c_str()), 0);
  UniqueFd root(open(root_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  absl::StatusOr<ElfFile> file =
      ElfFile::Open(absl::StrCat(FdPath(root), "/lib.so"), kMaxElfBytes);
  unlink(link.c_str());
  rmdir(root_dir.c_str());
  ASSERT_TRUE(root.valid());
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsNotFound(file.status())) << file.status();
  // By its host path it is an ordinary file.
  EXPECT_TRUE(ElfFile::Open(object, kMaxElfBytes).ok());
}

TEST_F(CommonElfFile, OpensFromADescriptorAlreadyChecked) {
  const std::string path = Write("tiny", TinyElf().Bytes());
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(path, kMaxElfBytes);
  ASSERT_TRUE(fd.ok()) << fd.status();
  absl::StatusOr<ElfFile> file = ElfFile::FromFd(*std::move(fd), "the object");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->path(), "the object");
  EXPECT_EQ(file->BuildId(), "0123456789abcdef");
}

TEST_F(CommonElfFile, MovesKeepTheFileOpen) {
  absl::StatusOr<ElfFile> opened = OpenWritten(TinyElf());
  ASSERT_TRUE(opened.ok()) << opened.status();
  ElfFile file = *std::move(opened);
  ElfFile other = std::move(file);
  EXPECT_EQ(file.elf(), nullptr);
  EXPECT_EQ(other.BuildId(), "0123456789abcdef");
  absl::StatusOr<ElfFile> second = OpenWritten(TinyElf());
  ASSERT_TRUE(second.ok());
  other = *std::move(second);
  EXPECT_EQ(other.VaddrToOffset(kTextVaddr), TinyElf::kTextOff);
}

}  // namespace
}  // namespace allocprof
