// Where the DWARF of an ELF object is: in the object itself, in a separate
// debug file named by its GNU build ID under the debug directory (where
// Debian's -dbgsym packages install them), or in the file its
// .gnu_debuglink section names, in GDB's search order.
//
// Every path is looked up in the target's file system, through `root`: a
// target in a container has its own debug files, and they stay readable
// after it exits.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_DEBUG_FILE_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_DEBUG_FILE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace allocprof {

// Turns an absolute path as the target sees it into one this process can
// open (ProcessHandle::RootPath; tests point it at a directory of their own).
using RootPathFn = std::function<std::string(absl::string_view)>;

inline constexpr char kDebugDirectory[] = "/usr/lib/debug";

struct DebugFileQuery {
  std::string object_path;  // the object, openable by this process
  std::string target_path;  // the object's path as the target sees it
  RootPathFn root;
  std::string debug_directory = kDebugDirectory;  // in the target's view
  // Where to add a line for each candidate that is there but refused (a
  // FIFO, a device, a link out of the root, over kMaxDebugFileBytes),
  // naming it as the target sees it: the target may plant one to hang or
  // exhaust us, and the report should say so. Null: not recorded.
  std::vector<std::string>* refused = nullptr;
};

// A path this process can open that holds the object's DWARF (the object's
// own path when it carries it). A debug file found by .gnu_debuglink must
// match the object: same build ID when both have one, else the CRC the link
// records. NotFound, saying what was looked for, when there is none;
// another error when the object itself cannot be read.
absl::StatusOr<std::string> FindDebugFile(const DebugFileQuery& query);

// Whether the ELF file at `path` has DWARF debug information (a .debug_info
// section with contents). False for a file that cannot be read.
bool HasDwarf(const std::string& path);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_DEBUG_FILE_H_
