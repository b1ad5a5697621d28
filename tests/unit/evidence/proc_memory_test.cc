#include "userspace/evidence/proc_memory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/mman.h>

#include "tests/unit/common/child_process.h"

namespace allocprof {
namespace {

std::string Testdata(const std::string& name) {
  std::ifstream in(std::string(ALLOCPROF_EVIDENCE_TESTDATA) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ParseSmaps, RangesAndRss) {
  const std::vector<Vma> vmas = ParseSmaps(Testdata("smaps.txt"));
  ASSERT_EQ(vmas.size(), 4u);
  EXPECT_EQ(vmas[0].start, 0x55d0c0a00000u);
  EXPECT_EQ(vmas[0].end, 0x55d0c0a21000u);
  EXPECT_EQ(vmas[0].rss_bytes, 12 * 1024);
  EXPECT_EQ(vmas[1].start, 0x7f1a00000000u);
  EXPECT_EQ(vmas[1].rss_bytes, 1024 * 1024);
  EXPECT_EQ(vmas[3].rss_bytes, 100 * 1024);
}

TEST(ParseStatus, RssAndAnon) {
  const MemoryStatus s = ParseStatus(Testdata("status.txt"));
  EXPECT_EQ(s.rss_bytes, 10240 * 1024);
  EXPECT_EQ(s.anon_bytes, 6144 * 1024);
  // A zombie has no memory lines.
  const MemoryStatus z = ParseStatus("Name:\tx\nState:\tZ (zombie)\n");
  EXPECT_EQ(z.rss_bytes, -1);
  EXPECT_EQ(z.anon_bytes, -1);
}

TEST(ResidentIn, WholeMappingsUseSmapsPartsArePaged) {
  const std::vector<Vma> vmas = ParseSmaps(Testdata("smaps.txt"));
  std::vector<std::pair<uint64_t, uint64_t>> paged;
  const PageCounter count = [&](uint64_t start, uint64_t end) {
    paged.emplace_back(start, end);
    return absl::StatusOr<int64_t>(static_cast<int64_t>((end - start) / 2));
  };
  // Exactly the 4 MiB mapping: its Rss.
  EXPECT_EQ(*ResidentIn(vmas, 0x7f1a00000000, 0x7f1a00400000, count), 1 << 20);
  EXPECT_TRUE(paged.empty());
  // The first MiB of the 8 MiB one, which the kernel merged with others:
  // counted page by page.
  EXPECT_EQ(*ResidentIn(vmas, 0x7f1a00400000, 0x7f1a00500000, count), 1 << 19);
  ASSERT_EQ(paged.size(), 1u);
  EXPECT_EQ(paged[0].first, 0x7f1a00400000u);
  // Both, and nothing outside any mapping.
  EXPECT_EQ(*ResidentIn(vmas, 0x7f1a00000000, 0x7f1a00c00000, count),
            (1 << 20) + (8 << 20));
  EXPECT_EQ(*ResidentIn(vmas, 0x1000, 0x2000, count), 0);
}

TEST(ResidentIn, PageCounterErrorsPassThrough) {
  const std::vector<Vma> vmas = {{0x1000, 0x5000, 4096}};
  const PageCounter fail = [](uint64_t, uint64_t) {
    return absl::StatusOr<int64_t>(absl::NotFoundError("the target exited"));
  };
  EXPECT_EQ(ResidentIn(vmas, 0x1000, 0x2000, fail).status().message(),
            "the target exited");
}

// The live readers on this very process.
TEST(ProcMemory, ReadsSelf) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t size = 64 * page;
  char* map = static_cast<char*>(mmap(nullptr, size, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(map, MAP_FAILED);
  for (size_t i = 0; i < 16 * page; i += page) map[i] = 1;

  absl::StatusOr<ProcessHandle> self = ProcessHandle::Open(getpid());
  ASSERT_TRUE(self.ok()) << self.status();
  absl::StatusOr<MemoryStatus> status = ReadMemoryStatus(*self);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_GT(status->rss_bytes, 0);
  absl::StatusOr<std::vector<Vma>> vmas = ReadSmaps(*self);
  ASSERT_TRUE(vmas.ok()) << vmas.status();
  EXPECT_FALSE(vmas->empty());
  // pagemap shows present pages to anyone, their frame numbers to root.
  absl::StatusOr<Pagemap> pagemap = Pagemap::Open(*self);
  ASSERT_TRUE(pagemap.ok()) << pagemap.status();
  const auto base = reinterpret_cast<uint64_t>(map);
  EXPECT_EQ(*pagemap->ResidentBytes(base, base + size),
            static_cast<int64_t>(16 * page));
  munmap(map, size);
}

TEST(ProcMemory, AnExitedTargetIsSaidToHaveExited) {
  ChildProcess child;
  ASSERT_GT(child.pid(), 0);
  absl::StatusOr<ProcessHandle> handle = ProcessHandle::Open(child.pid());
  ASSERT_TRUE(handle.ok()) << handle.status();
  ASSERT_TRUE(ReadMemoryStatus(*handle).ok());
  child.Reap();
  EXPECT_EQ(ReadMemoryStatus(*handle).status().message(), "the target exited");
  EXPECT_EQ(ReadSmaps(*handle).status().message(), "the target exited");
  EXPECT_EQ(Pagemap::Open(*handle).status().message(), "the target exited");
}

}  // namespace
}  // namespace allocprof
