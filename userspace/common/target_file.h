// The one way to open a file the traced process controls: its binaries and
// libraries through /proc/PID/root, its /tmp/perf-PID.map, the debug files
// its .gnu_debuglink and build ID point at. We run as root and the target
// may not: whatever it can write (a symlink, a FIFO, a sparse file of
// terabytes) must not make us read a file of someone else's, hang, or run
// out of memory.
#ifndef ALLOCPROF_USERSPACE_COMMON_TARGET_FILE_H_
#define ALLOCPROF_USERSPACE_COMMON_TARGET_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {

// Size caps, one a kind of file. A file over its cap is refused whole, by
// its size, before anything is read.
//
// Perf maps are read whole into memory and parsed line by line: a JIT writes
// one ~100-byte line a compiled method, so 64 MiB is over half a million
// methods, more than a long-running V8 or JVM writes, and what it costs in
// memory stays small next to the target's.
inline constexpr uint64_t kMaxPerfMapBytes = uint64_t{64} << 20;
// Mapped objects (executables, shared libraries) are mmapped by libelf, not
// read, so the cap bounds address space rather than memory; BCC reads their
// symbol tables into memory, though. The largest real objects (a browser's
// unstripped libxul) stay under 4 GiB, and unwind rows keep 32-bit
// addresses, so nothing past 4 GiB would be used anyway.
inline constexpr uint64_t kMaxElfBytes = uint64_t{4} << 30;
// Separate debug files hold the DWARF of a whole program, mmapped by libdw;
// a .gnu_debuglink file is also read whole once for its CRC. Big C++
// programs' debug files reach several GiB.
inline constexpr uint64_t kMaxDebugFileBytes = uint64_t{8} << 30;

// Opens `path` read-only, refusing what is not a regular file of at most
// `max_bytes` bytes. Paths in this code base come in three forms:
//  - /proc/self/fd/N/REST, where N is an O_PATH descriptor of a target's
//    /proc/PID/root (ProcessHandle::RootPath): REST is resolved inside that
//    root (RESOLVE_IN_ROOT), so an absolute symlink or ".." stays in it,
//    and no /proc magic link is followed on the way;
//  - /proc/self/fd/N alone: a file we already hold open (a pinned module),
//    opened again as itself;
//  - any other path: a host path (the debug directory, a test's file),
//    resolved without following /proc magic links.
// openat2(2) (glibc 2.36 has no wrapper), retried when interrupted or when
// a rename races with a RESOLVE_IN_ROOT lookup; -1 and errno on failure.
int OpenAt2(int dir_fd, const char* path, uint64_t flags, uint64_t mode, uint64_t resolve);

// The open does not block (a FIFO opens and is then refused), takes no
// controlling terminal, and the descriptor is close-on-exec and blocking.
// Errors are one line naming `path`.
absl::StatusOr<UniqueFd> OpenTargetFile(absl::string_view path, uint64_t max_bytes);

// The contents of `path`, opened as OpenTargetFile() does. Never reads more
// than max_bytes + 1 bytes: a file that grew past the cap after its size
// was checked is refused too.
absl::StatusOr<std::string> ReadTargetFile(absl::string_view path, uint64_t max_bytes);

// A path that names the open file `fd` itself, for a library that only
// takes paths (BCC): it reaches exactly the file we checked, whatever the
// target does to the path it came from.
std::string FdPath(const UniqueFd& fd);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_COMMON_TARGET_FILE_H_
