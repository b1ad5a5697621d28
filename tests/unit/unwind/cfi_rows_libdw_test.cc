// BuildCfiRows (cfi_program.h) against libdw's own CFI interpreter, on the
// host's objects: the same rows, row for row.
#include <sys/stat.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/unwind/libdw_reference_rows.h"
#include "userspace/unwind/cfi_rows.h"

namespace allocprof {
namespace {

std::string Describe(const ap_unwind_row& r) {
  char text[96];
  snprintf(text, sizeof(text), "pc 0x%x cfa %d+%u rbp %d", r.pc, r.cfa_type, r.cfa_offset,
           r.rbp_rule);
  return text;
}

TEST(CfiRowsAgainstLibdw, SameRowsOnTheHostsObjects) {
  // Debian's objects from this project's own dependencies, and targets it
  // is used on; those not installed are skipped.
  const std::vector<std::string> objects = {
      CFI_SAMPLE_PATH,
      "/usr/lib/x86_64-linux-gnu/libc.so.6",
      "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
      "/usr/lib/x86_64-linux-gnu/libm.so.6",
      "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
      "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
      "/usr/lib/x86_64-linux-gnu/libz.so.1",
      "/usr/lib/x86_64-linux-gnu/libelf.so.1",
      "/usr/lib/x86_64-linux-gnu/libdw.so.1",
      "/usr/lib/x86_64-linux-gnu/libbpf.so.1",
      "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
      "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
      "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
      "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
      "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2",
      "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
      "/usr/bin/python3.11",
      "/usr/bin/redis-check-rdb",
  };
  int compared = 0;
  for (const std::string& path : objects) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) continue;
    SCOPED_TRACE(path);
    auto reference = LibdwReferenceRows(path);
    if (!reference.ok()) continue;  // no .eh_frame_hdr: nothing to compare with
    auto built = BuildCfiRows(path);
    ASSERT_TRUE(built.ok()) << built.status();
    EXPECT_EQ(built->skipped, "");
    ASSERT_FALSE(built->rows.empty());
    const std::vector<ap_unwind_row>& rows = built->rows;
    size_t i = 0;
    for (; i < rows.size() && i < reference->size(); ++i) {
      const ap_unwind_row& a = rows[i];
      const ap_unwind_row& b = (*reference)[i];
      if (a.pc != b.pc || a.cfa_type != b.cfa_type || a.cfa_offset != b.cfa_offset ||
          a.rbp_rule != b.rbp_rule) {
        break;
      }
    }
    EXPECT_EQ(rows.size(), reference->size());
    if (i < rows.size() || i < reference->size()) {
      ADD_FAILURE() << "first difference at row " << i << ": "
                    << (i < rows.size() ? Describe(rows[i]) : "none") << " where libdw gives "
                    << (i < reference->size() ? Describe((*reference)[i]) : "none");
    }
    ++compared;
  }
  // libc, ld.so and libstdc++ are always there.
  EXPECT_GE(compared, 4);
}

}  // namespace
}  // namespace allocprof
