// Names for JIT-compiled code from the /tmp/perf-PID.map file that JITs
// (V8 --perf-basic-prof, the JVM with perf-map-agent, LuaJIT, .NET ...)
// write for perf: one "START SIZE NAME" line per function, in hex.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_PERF_MAP_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_PERF_MAP_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {

// Lines longer than this are skipped: a JIT's names (a Java signature, a
// JavaScript function with its file) stay well under it.
inline constexpr size_t kMaxPerfMapLine = 4096;
// Entries kept from one map; the rest are dropped and counted. A map of
// kMaxPerfMapBytes (target_file.h) holds about this many real lines, and
// each entry costs ~150 bytes of our memory.
inline constexpr size_t kMaxPerfMapEntries = size_t{1} << 20;

struct PerfMapEntry {
  uint64_t start = 0;
  uint64_t size = 0;
  std::string name;
};

// The entries of a perf map text, in file order. START and SIZE are hex
// with or without "0x"; NAME is the rest of the line and may hold blanks.
// Lines that do not parse are skipped rather than failing the whole file:
// a JIT appends while we read, so the last line may be half written. Lines
// over kMaxPerfMapLine are skipped, and at most kMaxPerfMapEntries read.
std::vector<PerfMapEntry> ParsePerfMap(absl::string_view text);

// The entries of one perf map by address. A JIT reuses memory for new code
// and appends the new name, so where entries overlap the later one wins
// (the older one keeps whatever part is not overlapped).
class PerfMapTable {
 public:
  void Add(PerfMapEntry entry);
  // The entry that covers `addr`, or null.
  const PerfMapEntry* Find(uint64_t addr) const;
  void Clear();
  size_t size() const { return entries_.size(); }
  // Entries refused since the last Clear() because the table was full.
  uint64_t dropped() const { return dropped_; }

 private:
  struct Span {
    uint64_t end = 0;  // exclusive
    size_t entry = 0;  // index in entries_
  };
  std::vector<PerfMapEntry> entries_;
  std::map<uint64_t, Span> spans_;  // by start; non-overlapping
  uint64_t dropped_ = 0;
};

// One perf map file, read when first needed and read again when it has
// changed since (the JIT keeps appending while the target runs).
class PerfMapFile {
 public:
  // `path` must be openable by this process (see ProcessHandle::RootPath);
  // it is opened with OpenTargetFile(), so only a regular file of at most
  // kMaxPerfMapBytes is read. `shown` is the path as the target sees it
  // (/tmp/perf-PID.map), for the notes; `path` itself when empty.
  explicit PerfMapFile(std::string path, std::string shown = "")
      : path_(std::move(path)), shown_(shown.empty() ? path_ : std::move(shown)) {}

  // The entry covering `addr`, or null (also when there is no such file).
  const PerfMapEntry* Find(uint64_t addr);

  // Opens the file, if it exists, and keeps it open without reading it, so
  // that it stays readable if its path stops leading to it: a container's
  // /tmp mount goes away with the container's last process. Called while
  // the target is alive; Find() reads the held file when the path fails.
  void Hold();

  const std::string& path() const { return path_; }

  // For the report's notes: that the file was refused and why (a FIFO, a
  // link out of the target's root, over kMaxPerfMapBytes), or that it held
  // more entries than are kept. Empty when neither happened.
  std::vector<std::string> Notes() const;

 private:
  void ReloadIfChanged();

  std::string path_;
  std::string shown_;
  // Why the last attempt to open the file failed, when the file was there
  // and refused; "" otherwise.
  std::string refused_;
  UniqueFd held_;  // the file last opened, if any
  PerfMapTable table_;
  // What the last read saw, to tell a change (and an append) from none.
  bool seen_ = false;
  ino_t inode_ = 0;
  off_t size_ = 0;
  int64_t mtime_ns_ = 0;
  off_t consumed_ = 0;  // bytes up to the end of the last complete line
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_PERF_MAP_H_
