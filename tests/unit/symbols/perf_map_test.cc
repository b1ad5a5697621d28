#include "userspace/symbols/perf_map.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

std::string NameAt(const PerfMapTable& t, uint64_t addr) {
  const PerfMapEntry* e = t.Find(addr);
  return e == nullptr ? "<none>" : e->name;
}

TEST(SymbolsPerfMap, ParsesLines) {
  std::vector<PerfMapEntry> e = ParsePerfMap(
      "7f0000001000 40 jit_one\n"
      "0x7f0000001040 0x20 LazyCompile:~two file.js:3\r\n"
      "7F0000002000 1f  spaced  name \n");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].start, 0x7f0000001000u);
  EXPECT_EQ(e[0].size, 0x40u);
  EXPECT_EQ(e[0].name, "jit_one");
  EXPECT_EQ(e[1].start, 0x7f0000001040u);
  EXPECT_EQ(e[1].size, 0x20u);
  EXPECT_EQ(e[1].name, "LazyCompile:~two file.js:3");
  EXPECT_EQ(e[2].start, 0x7f0000002000u);
  EXPECT_EQ(e[2].name, "spaced  name");
}

TEST(SymbolsPerfMap, SkipsBadLines) {
  std::vector<PerfMapEntry> e = ParsePerfMap(
      "\n"
      "7f0000001000 40\n"           // no name
      "zz 40 bad_start\n"
      "1000 -4 bad_size\n"
      "1000 4g bad_size_too\n"
      "2000 10 good\n"
      "3000 1");                    // half written
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].name, "good");
}

TEST(SymbolsPerfMap, LaterEntriesWinWhereTheyOverlap) {
  PerfMapTable t;
  t.Add({0x1000, 0x100, "old"});
  t.Add({0x1040, 0x20, "new"});
  EXPECT_EQ(NameAt(t, 0x0fff), "<none>");
  EXPECT_EQ(NameAt(t, 0x1000), "old");
  EXPECT_EQ(NameAt(t, 0x103f), "old");
  EXPECT_EQ(NameAt(t, 0x1040), "new");
  EXPECT_EQ(NameAt(t, 0x105f), "new");
  EXPECT_EQ(NameAt(t, 0x1060), "old");
  EXPECT_EQ(NameAt(t, 0x10ff), "old");
  EXPECT_EQ(NameAt(t, 0x1100), "<none>");
  // The surviving right part still reports its function's real start.
  EXPECT_EQ(t.Find(0x1080)->start, 0x1000u);

  // One entry replacing several, partly.
  t.Add({0x1030, 0x40, "newest"});
  EXPECT_EQ(NameAt(t, 0x102f), "old");
  EXPECT_EQ(NameAt(t, 0x1030), "newest");
  EXPECT_EQ(NameAt(t, 0x106f), "newest");
  EXPECT_EQ(NameAt(t, 0x1070), "old");

  t.Add({0x5000, 0, "empty"});
  EXPECT_EQ(NameAt(t, 0x5000), "<none>");
}

class SymbolsPerfMapFile : public testing::Test {
 protected:
  void TearDown() override { std::remove(path_.c_str()); }
  void Write(const std::string& text, std::ios::openmode mode) {
    std::ofstream(path_, mode) << text;
  }
  std::string path_ =
      absl::StrCat(testing::TempDir(), "/perf-test-", getpid(), ".map");
};

TEST_F(SymbolsPerfMapFile, ReadsAgainWhenTheFileChanges) {
  PerfMapFile file(path_);
  EXPECT_EQ(file.Find(0x1000), nullptr);  // no file yet

  Write("1000 10 first\n", std::ios::trunc);
  ASSERT_NE(file.Find(0x1000), nullptr);
  EXPECT_EQ(file.Find(0x1000)->name, "first");

  // Appended, the last line without its newline.
  Write("2000 10 second\n3000 10 thi", std::ios::app);
  EXPECT_EQ(file.Find(0x1000)->name, "first");
  EXPECT_EQ(file.Find(0x2000)->name, "second");
  EXPECT_EQ(file.Find(0x3000)->name, "thi");
  Write("rd\n", std::ios::app);
  EXPECT_EQ(file.Find(0x3000)->name, "third");

  // Rewritten from scratch: nothing of the old content remains.
  std::string tmp = path_ + ".new";
  std::ofstream(tmp) << "4000 10 fourth\n";
  ASSERT_EQ(std::rename(tmp.c_str(), path_.c_str()), 0);
  EXPECT_EQ(file.Find(0x1000), nullptr);
  EXPECT_EQ(file.Find(0x4000)->name, "fourth");
}

TEST_F(SymbolsPerfMapFile, HeldFileOutlivesItsPath) {
  Write("1000 10 held\n", std::ios::trunc);
  PerfMapFile file(path_);
  file.Hold();
  // As when a container's /tmp mount goes away with the container.
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  ASSERT_NE(file.Find(0x1008), nullptr);
  EXPECT_EQ(file.Find(0x1008)->name, "held");
  EXPECT_EQ(file.Find(0x1008)->start, 0x1000u);
}

TEST(SymbolsPerfMap, OverlongLinesAreSkipped) {
  std::string text = absl::StrCat("1000 10 ", std::string(kMaxPerfMapLine, 'x'), "\n",
                                  "2000 10 short\n");
  std::vector<PerfMapEntry> e = ParsePerfMap(text);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].name, "short");
}

TEST(SymbolsPerfMap, TableKeepsAtMostItsCapAndCountsTheRest) {
  PerfMapTable t;
  for (size_t i = 0; i < kMaxPerfMapEntries + 3; ++i) t.Add({0x1000 + 16 * i, 16, "f"});
  EXPECT_EQ(t.dropped(), 3u);
  EXPECT_EQ(NameAt(t, 0x1000 + 16 * (kMaxPerfMapEntries - 1)), "f");
  EXPECT_EQ(NameAt(t, 0x1000 + 16 * kMaxPerfMapEntries), "<none>");
}

TEST_F(SymbolsPerfMapFile, AFifoInItsPlaceDoesNotBlock) {
  // Planted by the target where its perf map would be: opening it for
  // reading would wait for a writer that never comes.
  ASSERT_EQ(mkfifo(path_.c_str(), 0644), 0);
  PerfMapFile file(path_, "/tmp/perf-42.map");
  file.Hold();
  EXPECT_EQ(file.Find(0x1000), nullptr);
  // Said in the report, by the name the target knows it by.
  EXPECT_THAT(file.Notes(), testing::ElementsAre(
                                "the JIT's perf map was not read: /tmp/perf-42.map is not a "
                                "regular file"));
}

TEST_F(SymbolsPerfMapFile, AHugeSparseFileIsRefusedBySize) {
  Write("1000 10 first\n", std::ios::trunc);
  ASSERT_EQ(truncate(path_.c_str(), off_t{2} << 30), 0);
  PerfMapFile file(path_);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(file.Find(0x1000), nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_THAT(file.Notes(), testing::ElementsAre(testing::HasSubstr(
                                absl::StrCat(path_, " is too large (2147483648 bytes"))));
}

TEST_F(SymbolsPerfMapFile, NoNoteForAMissingOrReadableMap) {
  PerfMapFile file(path_);
  EXPECT_EQ(file.Find(0x1000), nullptr);
  EXPECT_THAT(file.Notes(), testing::IsEmpty());
  Write("1000 10 first\n", std::ios::trunc);
  ASSERT_NE(file.Find(0x1000), nullptr);
  EXPECT_THAT(file.Notes(), testing::IsEmpty());
}

}  // namespace
}  // namespace allocprof
