#include "userspace/evidence/proc_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace allocprof {
namespace {

constexpr char kExited[] = "the target exited";

// "Rss:   1024 kB" -> 1048576; false when `line` is not `key` with a size.
bool SizeLine(absl::string_view line, absl::string_view key, int64_t* bytes) {
  if (!absl::ConsumePrefix(&line, key)) return false;
  line = absl::StripAsciiWhitespace(line);
  if (!absl::ConsumeSuffix(&line, "kB")) return false;
  int64_t kib = 0;
  // Bounded so the bytes fit: a size no kernel prints is no size line.
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kib) || kib < 0 ||
      kib > INT64_MAX / 1024) {
    return false;
  }
  *bytes = kib * 1024;
  return true;
}

// "7f00a000-7f00b000 rw-p ..." -> the range; false for other lines.
bool RangeLine(absl::string_view line, uint64_t* start, uint64_t* end) {
  const size_t dash = line.find('-');
  const size_t space = line.find(' ');
  if (dash == absl::string_view::npos || space == absl::string_view::npos ||
      dash > space) {
    return false;
  }
  return absl::SimpleHexAtoi(line.substr(0, dash), start) &&
         absl::SimpleHexAtoi(line.substr(dash + 1, space - dash - 1), end);
}

absl::StatusOr<std::string> ReadProc(const ProcessHandle& process, const char* name) {
  absl::StatusOr<std::string> text = process.ReadProcFile(name);
  if (absl::IsNotFound(text.status())) return absl::NotFoundError(kExited);
  return text;
}

}  // namespace

std::vector<Vma> ParseSmaps(absl::string_view text) {
  std::vector<Vma> vmas;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    Vma vma;
    int64_t rss = 0;
    if (RangeLine(line, &vma.start, &vma.end)) {
      vmas.push_back(vma);
    } else if (!vmas.empty() && SizeLine(line, "Rss:", &rss)) {
      vmas.back().rss_bytes = rss;
    }
  }
  return vmas;
}

MemoryStatus ParseStatus(absl::string_view text) {
  MemoryStatus status;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    int64_t bytes = 0;
    if (SizeLine(line, "VmRSS:", &bytes)) status.rss_bytes = bytes;
    if (SizeLine(line, "RssAnon:", &bytes)) status.anon_bytes = bytes;
  }
  return status;
}

absl::StatusOr<int64_t> ResidentIn(const std::vector<Vma>& vmas,
                                   uint64_t start, uint64_t end,
                                   const PageCounter& count_pages) {
  int64_t resident = 0;
  for (const Vma& vma : vmas) {
    const uint64_t lo = std::max(vma.start, start);
    const uint64_t hi = std::min(vma.end, end);
    if (lo >= hi) continue;
    if (lo == vma.start && hi == vma.end) {
      resident += vma.rss_bytes;
      continue;
    }
    absl::StatusOr<int64_t> part = count_pages(lo, hi);
    if (!part.ok()) return part.status();
    resident += *part;
  }
  return resident;
}

absl::StatusOr<MemoryStatus> ReadMemoryStatus(const ProcessHandle& process) {
  absl::StatusOr<std::string> text = ReadProc(process, "status");
  if (!text.ok()) return text.status();
  MemoryStatus status = ParseStatus(*text);
  if (status.rss_bytes < 0) return absl::NotFoundError(kExited);
  return status;
}

absl::StatusOr<std::vector<Vma>> ReadSmaps(const ProcessHandle& process) {
  absl::StatusOr<std::string> text = ReadProc(process, "smaps");
  if (!text.ok()) return text.status();
  return ParseSmaps(*text);
}

absl::StatusOr<Pagemap> Pagemap::Open(const ProcessHandle& process) {
  absl::StatusOr<UniqueFd> fd = process.OpenProcFile("pagemap", O_RDONLY);
  if (absl::IsNotFound(fd.status())) return absl::NotFoundError(kExited);
  if (!fd.ok()) return fd.status();
  return Pagemap(*std::move(fd));
}

absl::StatusOr<int64_t> Pagemap::ResidentBytes(uint64_t start,
                                               uint64_t end) const {
  static const uint64_t kPage = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  constexpr uint64_t kPresent = 1ull << 63;
  uint64_t entries[512];
  int64_t resident = 0;
  for (uint64_t page = start / kPage; page < (end + kPage - 1) / kPage;) {
    const uint64_t want =
        std::min<uint64_t>(512, (end + kPage - 1) / kPage - page);
    const ssize_t got = pread(fd_.get(), entries, want * sizeof(uint64_t),
                              static_cast<off_t>(page * sizeof(uint64_t)));
    if (got <= 0) {
      return absl::ErrnoToStatus(got == 0 ? ESRCH : errno,
                                 "cannot read /proc/PID/pagemap");
    }
    const size_t n = static_cast<size_t>(got) / sizeof(uint64_t);
    for (size_t i = 0; i < n; ++i) {
      if (entries[i] & kPresent) resident += static_cast<int64_t>(kPage);
    }
    page += n;
  }
  return resident;
}

}  // namespace allocprof
