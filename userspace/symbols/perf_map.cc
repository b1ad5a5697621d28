#include "userspace/symbols/perf_map.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "userspace/common/target_file.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {
namespace {

bool ParseHexField(absl::string_view text, uint64_t* out) {
  absl::ConsumePrefix(&text, "0x") || absl::ConsumePrefix(&text, "0X");
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleHexAtoi(text, out);
}

// Splits off the first blank-separated field of `*rest`.
absl::string_view NextField(absl::string_view* rest) {
  *rest = absl::StripLeadingAsciiWhitespace(*rest);
  size_t end = rest->find_first_of(" \t");
  if (end == absl::string_view::npos) end = rest->size();
  absl::string_view field = rest->substr(0, end);
  rest->remove_prefix(end);
  return field;
}

}  // namespace

std::vector<PerfMapEntry> ParsePerfMap(absl::string_view text) {
  std::vector<PerfMapEntry> entries;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    // The map is the target's to write: no name is this long, and a
    // single line must not grow one entry without bound.
    if (line.size() > kMaxPerfMapLine) continue;
    if (entries.size() >= kMaxPerfMapEntries) break;
    absl::ConsumeSuffix(&line, "\r");
    PerfMapEntry e;
    if (!ParseHexField(NextField(&line), &e.start)) continue;
    if (!ParseHexField(NextField(&line), &e.size)) continue;
    absl::string_view name = absl::StripAsciiWhitespace(line);
    if (name.empty()) continue;
    e.name = std::string(name);
    entries.push_back(std::move(e));
  }
  return entries;
}

void PerfMapTable::Add(PerfMapEntry entry) {
  if (entry.size == 0) return;
  if (entries_.size() >= kMaxPerfMapEntries) {
    ++dropped_;
    return;
  }
  uint64_t begin = entry.start;
  // Clamp rather than wrap for an entry running off the address space.
  uint64_t end = entry.start + entry.size < entry.start
                     ? UINT64_MAX
                     : entry.start + entry.size;
  size_t index = entries_.size();
  entries_.push_back(std::move(entry));

  // A span that starts below `begin` and reaches into it keeps its left
  // part, and its right part if it also reaches past `end`.
  auto it = spans_.lower_bound(begin);
  if (it != spans_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > begin) {
      Span old = prev->second;
      prev->second.end = begin;
      if (old.end > end) spans_[end] = Span{old.end, old.entry};
    }
  }
  // Spans that start inside [begin, end) go, but for a part past `end`.
  while (it != spans_.end() && it->first < end) {
    Span old = it->second;
    it = spans_.erase(it);
    if (old.end > end) {
      spans_[end] = old;
      break;
    }
  }
  spans_[begin] = Span{end, index};
}

const PerfMapEntry* PerfMapTable::Find(uint64_t addr) const {
  auto it = spans_.upper_bound(addr);
  if (it == spans_.begin()) return nullptr;
  --it;
  if (addr >= it->second.end) return nullptr;
  return &entries_[it->second.entry];
}

void PerfMapTable::Clear() {
  entries_.clear();
  spans_.clear();
  dropped_ = 0;
}

const PerfMapEntry* PerfMapFile::Find(uint64_t addr) {
  ReloadIfChanged();
  return table_.Find(addr);
}

void PerfMapFile::Hold() {
  // The target writes this file, and may put a FIFO, a symlink out of its
  // root or a huge sparse file in its place: OpenTargetFile refuses those.
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(path_, kMaxPerfMapBytes);
  if (fd.ok()) {
    held_ = *std::move(fd);
    refused_.clear();
  } else if (!absl::IsNotFound(fd.status())) {
    // Named as the target sees it: our path to it holds a descriptor number.
    refused_ = absl::StrReplaceAll(fd.status().message(), {{path_, shown_}});
  }
}

std::vector<std::string> PerfMapFile::Notes() const {
  std::vector<std::string> notes;
  if (!refused_.empty()) {
    notes.push_back(absl::StrCat("the JIT's perf map was not read: ", refused_));
  }
  if (table_.dropped() > 0 || table_.size() >= kMaxPerfMapEntries) {
    notes.push_back(absl::StrCat("the JIT's perf map ", shown_, " has ", kMaxPerfMapEntries,
                                 " entries or more, as many as are kept; code named past "
                                 "them shows as module+offset"));
  }
  return notes;
}

void PerfMapFile::ReloadIfChanged() {
  // The path first, to notice a file written anew; the held file when the
  // path leads nowhere any more.
  Hold();
  // No file (yet): nothing to read.
  if (!held_.valid()) return;
  const UniqueFd& fd = held_;
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return;
  int64_t mtime_ns =
      int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  if (seen_ && st.st_ino == inode_ && st.st_size == size_ &&
      mtime_ns == mtime_ns_) {
    return;
  }
  // JITs only append, so a file that grew is read from where the last
  // read stopped; anything else (replaced, shrunk, rewritten in place) is
  // read again from the start.
  bool appended = seen_ && st.st_ino == inode_ && st.st_size > size_;
  if (!appended) {
    table_.Clear();
    consumed_ = 0;
  }
  seen_ = true;
  inode_ = st.st_ino;
  size_ = st.st_size;
  mtime_ns_ = mtime_ns;

  // The held file may have grown past the cap since it was opened: what is
  // beyond the cap is not read (and was not, when it was opened).
  std::string text;
  char buf[65536];
  off_t pos = consumed_;
  const off_t limit = static_cast<off_t>(kMaxPerfMapBytes);
  while (pos < limit) {
    const size_t want = static_cast<size_t>(std::min<off_t>(sizeof(buf), limit - pos));
    ssize_t n = ::pread(fd.get(), buf, want, pos);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    pos += n;
  }
  // A last line without its newline may be complete (a writer that never
  // ends it) or still being written. It is used as it stands, but read
  // again from its start next time, when its whole form, added later,
  // takes precedence over what was read of it now.
  size_t complete = text.rfind('\n');
  consumed_ += complete == std::string::npos
                   ? 0
                   : static_cast<off_t>(complete + 1);
  for (PerfMapEntry& e : ParsePerfMap(text)) table_.Add(std::move(e));
}

}  // namespace allocprof
