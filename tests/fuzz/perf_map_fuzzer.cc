// ParsePerfMap and PerfMapTable on /tmp/perf-PID.map text, which the target
// (its JIT) writes. Besides memory errors, checks the table against the
// rule its header states: where entries overlap, the later one wins.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "tests/fuzz/fuzz_check.h"
#include "userspace/symbols/perf_map.h"

namespace {

// The entry covering `addr` by the header's rule, found the slow way: the
// last one added whose [start, start + size) holds it (clamped at the top
// of the address space rather than wrapped).
const allocprof::PerfMapEntry* Expected(const std::vector<allocprof::PerfMapEntry>& entries,
                                        uint64_t addr) {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->size == 0) continue;
    const uint64_t end = it->start + it->size < it->start ? UINT64_MAX : it->start + it->size;
    if (addr >= it->start && addr < end) return &*it;
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<allocprof::PerfMapEntry> entries = allocprof::ParsePerfMap(text);
  for (const auto& e : entries) FUZZ_CHECK(!e.name.empty());

  // The quadratic check below stays cheap on the short inputs that
  // exercise overlaps; long ones only feed the parser and the table.
  constexpr size_t kMaxChecked = 64;
  allocprof::PerfMapTable table;
  for (const auto& e : entries) table.Add(e);
  if (entries.size() > kMaxChecked) return 0;

  // Every edge of every entry, and one byte either side, is where a
  // mistake in splitting spans would show.
  std::vector<uint64_t> probes = {0, UINT64_MAX};
  for (const auto& e : entries) {
    const uint64_t end = e.start + e.size;
    for (uint64_t a : {e.start, end}) {
      probes.push_back(a);
      probes.push_back(a - 1);
      probes.push_back(a + 1);
    }
  }
  for (uint64_t addr : probes) {
    const allocprof::PerfMapEntry* got = table.Find(addr);
    const allocprof::PerfMapEntry* want = Expected(entries, addr);
    FUZZ_CHECK((got == nullptr) == (want == nullptr));
    if (got == nullptr) continue;
    FUZZ_CHECK(got->start == want->start && got->size == want->size && got->name == want->name);
  }
  return 0;
}
