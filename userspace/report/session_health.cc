#include "userspace/report/session_health.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace allocprof {
namespace {

struct Loss {
  int counter;
  const char* what;
};

// Each counter that means lost data, and how the report names it.
constexpr Loss kLosses[] = {
    {AP_CNT_RINGBUF_FULL, "events (ring buffer full)"},
    {AP_CNT_STACK_COLLISION, "stacks (stack map collision)"},
    {AP_CNT_STACK_FAILED, "stacks (capture failed or stack map full)"},
    {AP_CNT_CALLS_FULL, "allocations (per-thread call map full)"},
    {AP_CNT_USER_READ_FAILED, "allocations (posix_memalign result unreadable)"},
    {AP_CNT_SYSCALLS_FULL, "mmap-family calls (per-thread syscall map full)"},
};

}  // namespace

bool SessionHealth::lossy() const { return !LossSummary().empty(); }

std::string SessionHealth::LossSummary() const {
  std::vector<std::string> parts;
  for (const Loss& loss : kLosses) {
    if (drops[loss.counter] != 0) {
      parts.push_back(absl::StrCat(drops[loss.counter], " ", loss.what));
    }
  }
  if (malformed_records != 0) {
    parts.push_back(absl::StrCat(malformed_records, " malformed records"));
  }
  return absl::StrJoin(parts, ", ");
}

std::string SessionHealth::NoteSummary() const {
  uint64_t unmatched = drops[AP_CNT_RETURN_UNMATCHED];
  if (unmatched == 0) return "";
  return absl::StrCat(unmatched,
                      " allocator calls were already under way when tracing "
                      "began and are not counted");
}

}  // namespace allocprof
