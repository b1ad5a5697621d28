// ParseMapsLine on one /proc/PID/maps line. The pathname column is the
// target's to choose (any file name it maps, any name it gives an anonymous
// mapping), so every byte of it is hostile. Besides memory errors, checks
// that an entry printed back the way the kernel prints it parses to itself.
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "tests/fuzz/fuzz_check.h"
#include "userspace/symbols/maps_line.h"

namespace {

// The line as fs/proc/task_mmu.c show_map_vma() writes it.
std::string Print(const allocprof::MapsEntry& e) {
  char head[160];
  int n = std::snprintf(head, sizeof(head), "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64
                        " %02x:%02x %" PRIu64 " ",
                        e.start, e.end, e.readable ? 'r' : '-', e.writable ? 'w' : '-',
                        e.executable ? 'x' : '-', e.shared ? 's' : 'p', e.offset, e.dev_major,
                        e.dev_minor, e.inode);
  std::string line(head, static_cast<size_t>(n));
  if (!e.path.empty()) {
    line.append(static_cast<size_t>(n < 73 ? 73 - n : 1), ' ');
    line += e.path;
    if (e.deleted) line += " (deleted)";
  }
  return line + "\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view line(reinterpret_cast<const char*>(data), size);
  auto entry = allocprof::ParseMapsLine(line);
  if (!entry.ok()) return 0;
  const allocprof::MapsEntry& e = *entry;
  FUZZ_CHECK(e.start <= e.end);
  FUZZ_CHECK(!e.deleted || e.inode != 0);

  // The kernel escapes '\n' in paths, so a path ending in one cannot come
  // from it, and printing it back would lose it to the line's own newline.
  if (absl::EndsWith(e.path, "\n")) return 0;
  auto again = allocprof::ParseMapsLine(Print(e));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->start == e.start && again->end == e.end && again->offset == e.offset);
  FUZZ_CHECK(again->readable == e.readable && again->writable == e.writable &&
             again->executable == e.executable && again->shared == e.shared);
  FUZZ_CHECK(again->dev_major == e.dev_major && again->dev_minor == e.dev_minor);
  FUZZ_CHECK(again->inode == e.inode && again->path == e.path && again->deleted == e.deleted);
  return 0;
}
