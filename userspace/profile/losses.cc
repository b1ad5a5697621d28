#include "userspace/profile/losses.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bpf/events.h"

namespace allocprof {
namespace {

struct Loss {
  int counter;
  const char* what;
};

// Each counter that means lost data, and how reports name it.
constexpr Loss kLosses[] = {
    {AP_CNT_RINGBUF_FULL, "events (ring buffer full)"},
    {AP_CNT_STACK_COLLISION, "stacks (stack map collision)"},
    {AP_CNT_STACK_FAILED, "stacks (capture failed or stack map full)"},
    {AP_CNT_CALLS_FULL, "allocations (no per-thread call state: out of memory)"},
    {AP_CNT_USER_READ_FAILED, "allocations (posix_memalign result unreadable)"},
    {AP_CNT_SYSCALLS_FULL, "mmap-family calls (per-thread syscall map full)"},
    {AP_CNT_SAMPLES_FULL, "frees of sampled blocks (live sample map full)"},
    {AP_CNT_STACK_TRUNCATED, kTruncatedStacksLoss},
    {AP_CNT_FAULT_VMA_UNKNOWN, "page faults (mapping busy, not looked up)"},
    {AP_CNT_PYTHON_UNREAD, "Python frames (thread state or frame unreadable: native frames kept)"},
};

uint64_t At(absl::Span<const uint64_t> drops, int i) {
  return i < static_cast<int>(drops.size()) ? drops[i] : 0;
}

}  // namespace

std::vector<LossCount> NameLosses(absl::Span<const uint64_t> drops,
                                  uint64_t malformed_records) {
  std::vector<LossCount> losses;
  for (const Loss& loss : kLosses) {
    if (uint64_t n = At(drops, loss.counter); n != 0) losses.push_back({loss.what, n});
  }
  if (malformed_records != 0) losses.push_back({"records (malformed, or of an unknown type)", malformed_records});
  return losses;
}

std::vector<std::string> DropNotes(absl::Span<const uint64_t> drops) {
  uint64_t unmatched = At(drops, AP_CNT_RETURN_UNMATCHED);
  if (unmatched == 0) return {};
  return {absl::StrCat(unmatched,
                       " allocator calls were already under way when tracing "
                       "began and are not counted.")};
}

std::string ExecNote(const Totals& totals, uint64_t session_start_ns) {
  if (totals.execs == 0) return "";
  const double at_s = totals.last_exec_ns > session_start_ns
                          ? static_cast<double>(totals.last_exec_ns - session_start_ns) / 1e9
                          : 0;
  return absl::StrFormat(
      "the target ran execve() %d time%s, the last at %.1f s: the figures are the program it "
      "runs since; what the program%s before held (%d B in %d object%s) went with %s address "
      "space",
      totals.execs, totals.execs == 1 ? "" : "s", at_s, totals.execs == 1 ? "" : "s",
      totals.exec_dropped_bytes, totals.exec_dropped_objects,
      totals.exec_dropped_objects == 1 ? "" : "s", totals.execs == 1 ? "its" : "their");
}

}  // namespace allocprof
