// BuildCfiRows on an ELF file's .eh_frame, .eh_frame_hdr and .debug_frame:
// the unwind rows of every object the target maps go to the BPF stack
// walker. Checks that what loads is what its header promises: sorted by
// pc, no two neighbours alike.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/memfd_file.h"
#include "userspace/common/elf_file.h"
#include "userspace/unwind/cfi_rows.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MemfdFile file;
  const std::string& path = file.Write(data, size);
  auto cfi = allocprof::BuildCfiRows(path);
  (void)allocprof::ReadBuildId(path);
  if (!cfi.ok()) return 0;
  const auto& rows = cfi->rows;
  for (size_t i = 1; i < rows.size(); ++i) {
    FUZZ_CHECK(rows[i - 1].pc <= rows[i].pc);
    FUZZ_CHECK(rows[i - 1].cfa_type != rows[i].cfa_type ||
               rows[i - 1].cfa_offset != rows[i].cfa_offset ||
               rows[i - 1].rbp_rule != rows[i].rbp_rule);
  }
  if (!rows.empty()) {
    FUZZ_CHECK(allocprof::FindRow(rows, rows.front().pc) != nullptr);
    if (rows.front().pc > 0) FUZZ_CHECK(allocprof::FindRow(rows, rows.front().pc - 1) == nullptr);
  }
  return 0;
}
