#include "userspace/unwind/unwind_tables.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "userspace/unwind/cfi_rows.h"

namespace allocprof {
namespace {

// The BPF arrays are mmap-able files; memfds of the same size stand in for
// them, so the tables this process would get can be read back.
class UnwindTablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rows_fd_ = memfd_create("rows", MFD_CLOEXEC);
    mappings_fd_ = memfd_create("mappings", MFD_CLOEXEC);
    ASSERT_GE(rows_fd_, 0);
    ASSERT_GE(mappings_fd_, 0);
    ASSERT_EQ(ftruncate(rows_fd_, kRows * sizeof(ap_unwind_row)), 0);
    ASSERT_EQ(ftruncate(mappings_fd_, 2 * AP_UNWIND_MAX_MAPPINGS * sizeof(ap_unwind_mapping)), 0);
    UnwindMaps maps;
    maps.rows_fd = rows_fd_;
    maps.row_capacity = kRows;
    maps.mappings_fd = mappings_fd_;
    maps.index = &index_;
    auto tables = UnwindTables::Create(maps);
    ASSERT_TRUE(tables.ok()) << tables.status();
    tables_ = *std::move(tables);
    auto modules = ModuleMap::ForProcess(getpid());
    ASSERT_TRUE(modules.ok()) << modules.status();
    modules_ = std::make_unique<ModuleMap>(*std::move(modules));
    rows_ = static_cast<ap_unwind_row*>(
        mmap(nullptr, kRows * sizeof(ap_unwind_row), PROT_READ, MAP_SHARED, rows_fd_, 0));
    mappings_ = static_cast<ap_unwind_mapping*>(
        mmap(nullptr, 2 * AP_UNWIND_MAX_MAPPINGS * sizeof(ap_unwind_mapping), PROT_READ,
             MAP_SHARED, mappings_fd_, 0));
  }
  void TearDown() override {
    tables_.reset();
    if (rows_) munmap(rows_, kRows * sizeof(ap_unwind_row));
    if (mappings_) munmap(mappings_, 2 * AP_UNWIND_MAX_MAPPINGS * sizeof(ap_unwind_mapping));
    close(rows_fd_);
    close(mappings_fd_);
  }

  // What the BPF walker finds for runtime address `addr`: the mapping of
  // the current table, then the row at addr - bias.
  const ap_unwind_row* Lookup(uint64_t addr) const {
    const uint32_t generation = static_cast<uint32_t>(index_ >> 32);
    const uint32_t count = static_cast<uint32_t>(index_);
    const ap_unwind_mapping* table = mappings_ + (generation & 1) * AP_UNWIND_MAX_MAPPINGS;
    for (uint32_t i = 0; i < count; ++i) {
      if (i > 0) {
        EXPECT_LT(table[i - 1].start, table[i].start) << "sorted by start";
      }
      if (addr < table[i].start || addr >= table[i].end) continue;
      return FindRow({rows_ + table[i].first_row, table[i].row_count}, addr - table[i].bias);
    }
    return nullptr;
  }

  static constexpr uint32_t kRows = 1u << 19;
  int rows_fd_ = -1, mappings_fd_ = -1;
  volatile uint64_t index_ = 0;
  std::unique_ptr<UnwindTables> tables_;
  std::unique_ptr<ModuleMap> modules_;
  ap_unwind_row* rows_ = nullptr;
  ap_unwind_mapping* mappings_ = nullptr;
};

TEST_F(UnwindTablesTest, EveryMappedObjectGetsRowsAtItsLoadAddress) {
  std::ostringstream err;
  SessionLog log(err, /*verbose=*/true);
  tables_->Update(*modules_, log);
  EXPECT_THAT(log.notes(), ::testing::IsEmpty());
  EXPECT_THAT(err.str(), ::testing::HasSubstr("libc.so"));
  EXPECT_GT(tables_->rows_used(), 10000u) << "libc alone has more";
  EXPECT_EQ(static_cast<uint32_t>(index_ >> 32), 1u) << "one table published";
  // glibc's malloc, at its first instruction: the return address at [rsp].
  void* libc_malloc = dlsym(RTLD_DEFAULT, "malloc");
  ASSERT_NE(libc_malloc, nullptr);
  const ap_unwind_row* row = Lookup(reinterpret_cast<uint64_t>(libc_malloc));
  ASSERT_NE(row, nullptr) << "no row for malloc in this process";
  EXPECT_EQ(row->cfa_type, AP_CFA_RSP);
  EXPECT_EQ(row->cfa_offset, 8);
  // And this test's own code.
  const ap_unwind_row* own = Lookup(reinterpret_cast<uint64_t>(&FindRow));
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->cfa_type, AP_CFA_RSP);
  EXPECT_EQ(own->cfa_offset, 8);
}

TEST_F(UnwindTablesTest, ObjectsAreBuiltOnceAndTablesRepublished) {
  std::ostringstream err;
  SessionLog log(err, /*verbose=*/false);
  tables_->Update(*modules_, log);
  const uint32_t rows = tables_->rows_used();
  const size_t mappings = tables_->mapping_count();
  tables_->Update(*modules_, log);
  EXPECT_EQ(err.str(), "") << "without -v, nothing said";
  EXPECT_EQ(tables_->rows_used(), rows) << "the same objects again: no new rows";
  EXPECT_EQ(tables_->mapping_count(), mappings);
  EXPECT_EQ(static_cast<uint32_t>(index_ >> 32), 2u) << "a new generation, the other half";
  void* libc_malloc = dlsym(RTLD_DEFAULT, "malloc");
  ASSERT_NE(Lookup(reinterpret_cast<uint64_t>(libc_malloc)), nullptr);
}

}  // namespace
}  // namespace allocprof
