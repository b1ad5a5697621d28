// Source lines and inlined functions from DWARF: in the object itself, in a
// debug file found by .gnu_debuglink or by build ID, and none at all. The
// object is testdata/inline_lib.c, built with -g -O2 (CMakeLists.txt), whose
// own records say which address and lines to expect.
#include "userspace/symbols/source_lines.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/symbols/gone_child.h"
#include "tests/unit/symbols/testdata/inline_lib.h"
#include "userspace/common/elf_file.h"
#include "userspace/symbols/debug_file.h"
#include "userspace/symbols/symbolizer.h"

namespace allocprof {
namespace {

// Built beside each other by CMakeLists.txt.
const std::string kDir = ALLOCPROF_INLINE_LIB_DIR;
const std::string kWithDwarf = kDir + "/inline_lib.so";
const std::string kLinked = kDir + "/inline_lib_linked.so";   // + .gnu_debuglink
const std::string kLinkedDebug = kDir + "/inline_lib_linked.so.debug";
const std::string kNoDebug = kDir + "/inline_lib_nodebug.so";  // stripped, no link
// No build ID: the link's CRC is all that ties the two.
const std::string kNoIdLinked = kDir + "/inline_lib_noid_linked.so";
const std::string kNoIdDebug = kDir + "/inline_lib_noid.so.debug";

// A loaded copy of the object and what its run recorded.
struct Loaded {
  inline_site site = {};
  uint64_t base = 0;  // load bias: runtime address - ELF virtual address
  // The return address minus one: the call, as NamedStacks looks it up.
  uint64_t call = 0;
};

void Load(const std::string& path, Loaded* loaded) {
  // RTLD_NODELETE: the mapping must stay for symbolizers made later.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto run = reinterpret_cast<int (*)(inline_site*)>(dlsym(handle, "inline_lib_run"));
  ASSERT_NE(run, nullptr) << dlerror();
  ASSERT_EQ(run(&loaded->site), 1);
  Dl_info info;
  ASSERT_NE(dladdr(reinterpret_cast<void*>(run), &info), 0);
  loaded->base = reinterpret_cast<uintptr_t>(info.dli_fbase);
  loaded->call = reinterpret_cast<uintptr_t>(loaded->site.return_address) - 1;
  ASSERT_GT(loaded->site.helper_line, 0);
  ASSERT_GT(loaded->site.caller_line, 0);
  ASSERT_NE(loaded->site.helper_line, loaded->site.caller_line);
}

bool IsInlineLibSource(const std::string& file) {
  return absl::EndsWith(file, "/testdata/inline_lib.c");
}

// The frame of the call in inline_lib_run: the helper inlined there, at its
// call of inline_lib_record, then inline_lib_run at its call of the helper.
void ExpectInlinedCall(const Frame& f, const inline_site& site) {
  EXPECT_EQ(f.function, "inline_lib_run");
  EXPECT_TRUE(IsInlineLibSource(f.source.file)) << f.source.file;
  EXPECT_EQ(f.source.line, static_cast<uint32_t>(site.caller_line));
  ASSERT_EQ(f.inlined.size(), 1u);
  EXPECT_EQ(f.inlined[0].function, "inline_lib_helper");
  EXPECT_TRUE(IsInlineLibSource(f.inlined[0].source.file))
      << f.inlined[0].source.file;
  EXPECT_EQ(f.inlined[0].source.line, static_cast<uint32_t>(site.helper_line));
}

std::unique_ptr<Symbolizer> ForSelf() {
  absl::StatusOr<std::unique_ptr<Symbolizer>> s = Symbolizer::ForProcess(getpid());
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : nullptr;
}

bool CopyFile(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  out << in.rdbuf();
  return in.good() && out.good();
}

// At the library's call: its helper, inlined, at the helper's line, in
// inline_lib_run at the caller's.
void ExpectHelperInlinedInRun(const SourceLines& lines, const Loaded& lib) {
  std::vector<SourceLines::Function> at = lines.Lookup(lib.call - lib.base);
  ASSERT_EQ(at.size(), 2u);
  EXPECT_EQ(at[0].name, "inline_lib_helper");
  EXPECT_EQ(at[0].source.line, static_cast<uint32_t>(lib.site.helper_line));
  EXPECT_EQ(at[1].name, "inline_lib_run");
  EXPECT_EQ(at[1].source.line, static_cast<uint32_t>(lib.site.caller_line));
}

TEST(SymbolsSourceLines, InlinedHelperIsAFrameOfItsOwn) {
  Loaded lib;
  ASSERT_NO_FATAL_FAILURE(Load(kWithDwarf, &lib));
  absl::StatusOr<std::unique_ptr<SourceLines>> lines = SourceLines::Load(kWithDwarf);
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_NO_FATAL_FAILURE(ExpectHelperInlinedInRun(**lines, lib));
  EXPECT_TRUE(IsInlineLibSource((*lines)->Lookup(lib.call - lib.base)[1].source.file));
}

TEST(SymbolsSourceLines, AddressOutsideEveryUnitHasNoFunctions) {
  absl::StatusOr<std::unique_ptr<SourceLines>> lines = SourceLines::Load(kWithDwarf);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_TRUE((*lines)->Lookup(0).empty());
  EXPECT_TRUE((*lines)->Lookup(~uint64_t{0}).empty());
}

TEST(SymbolsSourceLines, ObjectWithoutDwarfDoesNotLoad) {
  absl::StatusOr<std::unique_ptr<SourceLines>> lines = SourceLines::Load(kNoDebug);
  EXPECT_TRUE(absl::IsNotFound(lines.status())) << lines.status();
  EXPECT_FALSE(HasDwarf(kNoDebug));
  EXPECT_TRUE(HasDwarf(kWithDwarf));
}

// A copy of the object with its debug sections compressed (ELF compression
// headers, as Debian ships debug files), and, with `claimed`, .debug_info's
// header claiming it decompresses to that many bytes.
std::string CompressedCopy(const std::string& name, uint64_t claimed) {
  const std::string path = ::testing::TempDir() + "/" + name;
  const std::string command =
      absl::StrCat("objcopy --compress-debug-sections=zlib-gabi ", kWithDwarf, " ", path);
  if (std::system(command.c_str()) != 0) return "";
  if (claimed == 0) return path;
  const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  size_t names = 0;
  off_t chdr_at = -1;
  if (elf != nullptr && elf_getshdrstrndx(elf, &names) == 0) {
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
      GElf_Shdr shdr;
      const char* n = gelf_getshdr(scn, &shdr) ? elf_strptr(elf, names, shdr.sh_name) : nullptr;
      if (n != nullptr && std::string(n) == ".debug_info" && (shdr.sh_flags & SHF_COMPRESSED)) {
        chdr_at = static_cast<off_t>(shdr.sh_offset);
      }
    }
  }
  if (elf != nullptr) elf_end(elf);
  // Elf64_Chdr: ch_type, ch_reserved, then ch_size.
  const bool patched = chdr_at >= 0 &&
                       pwrite(fd, &claimed, sizeof(claimed), chdr_at + 8) == sizeof(claimed);
  close(fd);
  return patched ? path : "";
}

TEST(SymbolsSourceLines, CompressedDebugSectionsLoad) {
  const std::string path = CompressedCopy("inline_lib_compressed.so", 0);
  ASSERT_FALSE(path.empty()) << "objcopy --compress-debug-sections failed";
  absl::StatusOr<std::unique_ptr<SourceLines>> lines = SourceLines::Load(path);
  ASSERT_TRUE(lines.ok()) << lines.status();
}

// libdw would allocate what the header claims and inflate into it: refused
// before it is asked.
TEST(SymbolsSourceLines, ADecompressionBombIsRefused) {
  const std::string path = CompressedCopy("inline_lib_bomb.so", uint64_t{1} << 40);
  ASSERT_FALSE(path.empty()) << "could not build the object";
  absl::StatusOr<std::unique_ptr<SourceLines>> lines = SourceLines::Load(path);
  EXPECT_TRUE(absl::IsResourceExhausted(lines.status())) << lines.status();
  EXPECT_TRUE(absl::StrContains(lines.status().message(), "would take 10995116")) << lines.status();
}

TEST(SymbolsSourceLines, SymbolizerGivesTheLinesAndTheInlineChain) {
  Loaded lib;
  ASSERT_NO_FATAL_FAILURE(Load(kWithDwarf, &lib));
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  Frame f = s->Symbolize(lib.call);
  EXPECT_EQ(f.module, kWithDwarf);
  ExpectInlinedCall(f, lib.site);
}

TEST(SymbolsSourceLines, LinesAfterTheTargetIsGone) {
  // The child inherits the mapping; its DWARF, in a debug file beside the
  // object, is first read after the child has exited, through its root.
  Loaded lib;
  ASSERT_NO_FATAL_FAILURE(Load(kLinked, &lib));
  std::unique_ptr<Symbolizer> s;
  pid_t child = 0;
  ASSERT_NO_FATAL_FAILURE(SymbolizerOfGoneChild(&s, &child));

  Frame f = s->Symbolize(lib.call);
  EXPECT_EQ(f.module, kLinked);
  ExpectInlinedCall(f, lib.site);
}

TEST(SymbolsSourceLines, DebugFileFoundThroughDebuglink) {
  ASSERT_FALSE(HasDwarf(kLinked));
  DebugFileQuery query;
  query.object_path = kLinked;
  query.target_path = kLinked;
  query.root = [](absl::string_view path) { return std::string(path); };
  absl::StatusOr<std::string> found = FindDebugFile(query);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, kLinkedDebug);

  Loaded lib;
  ASSERT_NO_FATAL_FAILURE(Load(kLinked, &lib));
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  Frame f = s->Symbolize(lib.call);
  EXPECT_EQ(f.module, kLinked);
  ExpectInlinedCall(f, lib.site);
}

// A fresh directory standing for the target's root file system.
class SymbolsDebugRoot : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "/allocprof-debugroot-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) std::remove(it->c_str());
    rmdir(root_.c_str());
  }
  // Makes root_/path's directories and returns root_/path.
  std::string MakePath(const std::string& path) {
    std::string at = root_;
    size_t from = 1;
    for (size_t slash; (slash = path.find('/', from)) != std::string::npos;
         from = slash + 1) {
      at = root_ + path.substr(0, slash);
      if (mkdir(at.c_str(), 0755) == 0) made_.push_back(at);
    }
    made_.push_back(root_ + path);
    return root_ + path;
  }
  RootPathFn Root() const {
    return [root = root_](absl::string_view path) { return absl::StrCat(root, path); };
  }

  std::string root_;
  std::vector<std::string> made_;  // to remove, in creation order
};

TEST_F(SymbolsDebugRoot, DebugFileFoundByBuildIdUnderTheTargetsRoot) {
  const std::string id = ReadBuildId(kNoDebug);
  ASSERT_GT(id.size(), 2u) << kNoDebug << " has no build ID (linked without --build-id?)";
  ASSERT_EQ(ReadBuildId(kLinkedDebug), id);
  const std::string debug_path = absl::StrCat(
      "/usr/lib/debug/.build-id/", id.substr(0, 2), "/", id.substr(2), ".debug");

  DebugFileQuery query;
  query.object_path = kNoDebug;
  query.target_path = "/opt/app/inline_lib_nodebug.so";
  query.root = Root();
  absl::StatusOr<std::string> missing = FindDebugFile(query);
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_TRUE(absl::StrContains(missing.status().message(), debug_path))
      << missing.status();

  ASSERT_TRUE(CopyFile(kLinkedDebug, MakePath(debug_path)));
  absl::StatusOr<std::string> found = FindDebugFile(query);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, root_ + debug_path);

  Loaded lib;
  ASSERT_NO_FATAL_FAILURE(Load(kNoDebug, &lib));
  absl::StatusOr<std::unique_ptr<SourceLines>> lines = SourceLines::Load(*found);
  ASSERT_TRUE(lines.ok()) << lines.status();
  ExpectHelperInlinedInRun(**lines, lib);
}

TEST_F(SymbolsDebugRoot, DebuglinkIsLookedUpUnderTheTargetsRoot) {
  // The object as the target sees it is /opt/app/inline_lib_linked.so; its
  // debug file is beside it in the target's file system only.
  DebugFileQuery query;
  query.object_path = kLinked;
  query.target_path = "/opt/app/inline_lib_linked.so";
  query.root = Root();
  absl::StatusOr<std::string> missing = FindDebugFile(query);
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_TRUE(absl::StrContains(missing.status().message(),
                                "/opt/app/inline_lib_linked.so.debug"))
      << missing.status();

  const std::string beside = MakePath("/opt/app/.debug/inline_lib_linked.so.debug");
  ASSERT_TRUE(CopyFile(kLinkedDebug, beside));
  absl::StatusOr<std::string> found = FindDebugFile(query);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, beside);
}

TEST_F(SymbolsDebugRoot, DebuglinkToAFifoIsRefusedAndRecorded) {
  // Planted by the target where its debug file would be: opening it to
  // read would wait for a writer.
  const std::string beside = MakePath("/opt/app/inline_lib_linked.so.debug");
  ASSERT_EQ(mkfifo(beside.c_str(), 0644), 0);
  std::vector<std::string> refused;
  DebugFileQuery query;
  query.object_path = kLinked;
  query.target_path = "/opt/app/inline_lib_linked.so";
  query.root = Root();
  query.refused = &refused;
  absl::StatusOr<std::string> found = FindDebugFile(query);
  EXPECT_TRUE(absl::IsNotFound(found.status())) << found.status();
  // Named as the target sees it; the missing candidates are not refusals.
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0], "/opt/app/inline_lib_linked.so.debug is not a regular file");
}

TEST_F(SymbolsDebugRoot, DebuglinkToAnotherBuildIsRefused) {
  // A debug file of the same name from another build: its build ID differs.
  const std::string beside = MakePath("/opt/app/inline_lib_linked.so.debug");
  // The test binary: DWARF of its own, and its own build ID.
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(n, 0);
  ASSERT_TRUE(CopyFile(std::string(self, n), beside));
  DebugFileQuery query;
  query.object_path = kLinked;
  query.target_path = "/opt/app/inline_lib_linked.so";
  query.root = Root();
  absl::StatusOr<std::string> found = FindDebugFile(query);
  EXPECT_TRUE(absl::IsNotFound(found.status())) << found.status();
}

TEST_F(SymbolsDebugRoot, DebuglinkWithoutBuildIdsIsCheckedByCrc) {
  ASSERT_EQ(ReadBuildId(kNoIdLinked), "");
  DebugFileQuery query;
  query.object_path = kNoIdLinked;
  query.target_path = "/opt/app/inline_lib_noid_linked.so";
  query.root = Root();
  const std::string beside = MakePath("/opt/app/inline_lib_noid.so.debug");
  ASSERT_TRUE(CopyFile(kNoIdDebug, beside));
  absl::StatusOr<std::string> found = FindDebugFile(query);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, beside);

  // One byte more: another file as far as the CRC can tell.
  { std::ofstream(beside, std::ios::binary | std::ios::app) << '\0'; }
  absl::StatusOr<std::string> changed = FindDebugFile(query);
  EXPECT_TRUE(absl::IsNotFound(changed.status())) << changed.status();
}

TEST(SymbolsSourceLines, WithoutDebugInformationTheSymbolTableNamesTheFrame) {
  Loaded lib;
  ASSERT_NO_FATAL_FAILURE(Load(kNoDebug, &lib));
  std::unique_ptr<Symbolizer> s = ForSelf();
  ASSERT_NE(s, nullptr);
  Frame f = s->Symbolize(lib.call);
  EXPECT_EQ(f.module, kNoDebug);
  EXPECT_EQ(f.function, "inline_lib_run");
  EXPECT_FALSE(f.source.known());
  EXPECT_EQ(f.source.file, "");
  EXPECT_TRUE(f.inlined.empty());
}

}  // namespace
}  // namespace allocprof
