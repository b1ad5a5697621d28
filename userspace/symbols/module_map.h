// Which code is mapped where in a traced process: a snapshot of its
// executable mappings from /proc/PID/maps, kept usable after the process
// has exited.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_MODULE_MAP_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_MODULE_MAP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/symbols/maps_line.h"
#include "userspace/symbols/process_handle.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {

// One executable mapping.
struct Module {
  enum class Kind {
    kFile,       // an on-disk file, normally an ELF object
    kAnonymous,  // code with no file behind it: JIT output (also in a memfd)
    kSpecial,    // a kernel-provided image: [vdso], [vsyscall], [uprobes]
  };

  uint64_t start = 0;
  uint64_t end = 0;          // exclusive
  uint64_t file_offset = 0;  // of `start` in the file
  // As the target sees it ("(deleted)" removed); see MapsEntry::path.
  std::string path;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  uint64_t inode = 0;
  bool deleted = false;
  Kind kind = Kind::kAnonymous;
  // The mapped file itself, opened while the target was alive, for files
  // that its path may not lead to at symbolization time:
  //  - a deleted file: its path now leads elsewhere or nowhere. Opened
  //    through /proc/PID/map_files, which needs CAP_SYS_ADMIN (or
  //    CAP_CHECKPOINT_RESTORE on Linux 5.9+);
  //  - any file of a target in another mount namespace: the namespace's
  //    mounts other than its root go away with its last process. Opened
  //    through map_files, or else its path.
  // Null otherwise. Shared by all modules of one file, and by the copies
  // that successive snapshots make.
  std::shared_ptr<const UniqueFd> pinned_file;

  bool Contains(uint64_t addr) const { return addr >= start && addr < end; }
  // Same mapping of the same object.
  bool SameMapping(const Module& other) const;
};

// The Module for an executable maps entry.
Module ModuleFromMapsEntry(const MapsEntry& entry);

// OK when `path` opens the file `module` maps. FailedPrecondition when it
// opens another one: replaced after the snapshot (an upgrade renames a new
// file over the old). Inode numbers only compare within one device, and an
// overlay file system (containers) reports its own device to stat() but the
// underlying one in /proc/PID/maps, so a file on another device is taken
// as the same. NotFound when nothing is there.
absl::Status CheckSameFile(const std::string& path, const Module& module);

// glibc's program interpreter (ld-linux-x86-64.so.2), by file name. musl's
// loader is also its C library, so it is not matched.
bool IsGlibcLoaderPath(absl::string_view path);

// The executable mappings listed in a /proc/PID/maps text, by address.
absl::StatusOr<std::vector<Module>> ExecutableModules(
    absl::string_view maps_text);

// What a snapshot holds after a re-read: every module of `fresh`, plus the
// modules of `old` that no fresh module overlaps, so that addresses recorded
// before code was unmapped still resolve; a mapping found in both keeps the
// old copy (and with it its pinned file). Sorted by start, non-overlapping.
std::vector<Module> MergeSnapshots(std::vector<Module> old,
                                   std::vector<Module> fresh);

class ModuleMap {
 public:
  // Reads the executable mappings of the process `process` holds, and holds
  // on to its /proc entry and root directory for the ModuleMap's life.
  static absl::StatusOr<ModuleMap> ForProcess(ProcessHandle process);
  // The same for process `pid`, looked up now.
  static absl::StatusOr<ModuleMap> ForProcess(int pid);

  // Re-reads the mappings after the target mapped new code (dlopen, JIT).
  // When the process has exited the old snapshot stays and an error
  // (NotFound) is returned.
  absl::Status Refresh();

  // The module containing `addr`, or null. The pointer is valid until the
  // next Refresh().
  const Module* Find(uint64_t addr) const;

  const std::vector<Module>& modules() const { return modules_; }
  const ProcessHandle& process() const { return process_; }

  // A path through which this process can open the file behind `module`,
  // now and after the target has exited: its pinned file, else its path
  // under the target's root. Empty when there is none: not a file, or a
  // deleted file that could not be pinned (its path would open a different
  // file or none).
  std::string ElfPath(const Module& module) const;

 private:
  ModuleMap(ProcessHandle process, bool pin_all_files)
      : process_(std::move(process)), pin_all_files_(pin_all_files) {}

  absl::StatusOr<std::vector<Module>> ReadModules() const;
  // Sets pinned_file where Module::pinned_file says, as far as possible.
  void PinFiles();

  ProcessHandle process_;
  bool pin_all_files_;  // the target has a mount namespace of its own
  std::vector<Module> modules_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_MODULE_MAP_H_
