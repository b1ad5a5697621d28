// Parsing one line of /proc/PID/maps. Pure, so every odd shape a path can
// take is covered by unit tests without a process that has it.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_MAPS_LINE_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_MAPS_LINE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace allocprof {

// One mapping, as the kernel prints it (see proc(5), show_map_vma()).
struct MapsEntry {
  uint64_t start = 0;
  uint64_t end = 0;     // exclusive
  uint64_t offset = 0;  // file offset of `start` (the "pgoff" column)
  bool readable = false;
  bool writable = false;
  bool executable = false;
  bool shared = false;  // 's' rather than 'p'
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  uint64_t inode = 0;  // 0 for mappings with no file behind them
  // The pathname column as the target sees it, spaces included, with the
  // kernel's " (deleted)" suffix removed (see `deleted`). Empty for
  // anonymous mappings; "[vdso]", "[heap]", "[anon:NAME]" ... for the
  // kernel's pseudo names.
  std::string path;
  // The file was unlinked (or replaced, e.g. by a package upgrade) after it
  // was mapped: the path no longer leads to the mapped contents.
  bool deleted = false;
};

// InvalidArgument when `line` (with or without its trailing newline) is not
// a maps line.
absl::StatusOr<MapsEntry> ParseMapsLine(absl::string_view line);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_MAPS_LINE_H_
