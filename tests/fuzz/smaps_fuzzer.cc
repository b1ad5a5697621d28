// ParseSmaps and ParseStatus on /proc/PID/smaps and /proc/PID/status text.
// The kernel writes the figures, but smaps also carries the target's
// mapping names, and a process that exits mid-read leaves text cut short.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "tests/fuzz/fuzz_check.h"
#include "userspace/evidence/proc_memory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto vmas = allocprof::ParseSmaps(text);
  // At most one mapping per line.
  size_t lines = 1;
  for (char c : text) lines += c == '\n';
  FUZZ_CHECK(vmas.size() <= lines);
  allocprof::MemoryStatus status = allocprof::ParseStatus(text);
  (void)status;
  return 0;
}
