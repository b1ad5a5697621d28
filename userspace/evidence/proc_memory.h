// The target's memory as the kernel counts it: resident bytes of address
// ranges (/proc/PID/smaps, as `pmap -x` shows them) and the process's RSS
// and anonymous memory (/proc/PID/status). Parsing is apart from reading so
// it can be tested on text. Read through the target's ProcessHandle: once
// it has exited, they are not found, even where its PID has been reused.
#ifndef ALLOCPROF_USERSPACE_EVIDENCE_PROC_MEMORY_H_
#define ALLOCPROF_USERSPACE_EVIDENCE_PROC_MEMORY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/common/unique_fd.h"
#include "userspace/profile/profile.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {

// One mapping of /proc/PID/smaps: its range and resident bytes.
struct Vma {
  uint64_t start = 0;
  uint64_t end = 0;
  int64_t rss_bytes = 0;
};

// The mappings of smaps text, in file order. Lines that are neither a
// mapping header nor "Rss:" are skipped.
std::vector<Vma> ParseSmaps(absl::string_view text);

// VmRSS and RssAnon of status text, in bytes; -1 for a line that is missing
// (an exited process that is not reaped yet has neither).
MemoryStatus ParseStatus(absl::string_view text);

// Resident bytes of [start, end) counted page by page (pagemap).
using PageCounter =
    std::function<absl::StatusOr<int64_t>(uint64_t start, uint64_t end)>;

// Resident bytes of [start, end). smaps has one figure per mapping, and the
// kernel merges neighbouring mappings with equal flags into one, so a
// mapping wholly inside the range counts its Rss and the part of one that
// sticks out of the range is counted by `count_pages`.
absl::StatusOr<int64_t> ResidentIn(const std::vector<Vma>& vmas,
                                   uint64_t start, uint64_t end,
                                   const PageCounter& count_pages);

// /proc/PID/status of a live process; NotFound "the target exited" when it
// is gone or has no memory left.
absl::StatusOr<MemoryStatus> ReadMemoryStatus(const ProcessHandle& process);
// /proc/PID/smaps; NotFound "the target exited" when it is gone.
absl::StatusOr<std::vector<Vma>> ReadSmaps(const ProcessHandle& process);

// Present pages of the target, from /proc/PID/pagemap (root only). Like
// /proc/PID/mem, the descriptor holds the address space it was opened on.
class Pagemap {
 public:
  static absl::StatusOr<Pagemap> Open(const ProcessHandle& process);
  absl::StatusOr<int64_t> ResidentBytes(uint64_t start, uint64_t end) const;

 private:
  explicit Pagemap(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVIDENCE_PROC_MEMORY_H_
