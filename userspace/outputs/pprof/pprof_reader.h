// Reads a pprof profile back into a Profile: allocprof's own files exactly
// as written (see pprof_writer.h: module and offset from each function's
// filename and start_line, session facts from the comments), and heap
// profiles of other tools (Go's runtime/pprof, Pyroscope, Parca exports) as
// far as they carry the same facts (module from the mapping, offset within
// it for frames without a function).
//
// Values are found by sample type *name* (alloc_objects, alloc_space,
// inuse_objects, inuse_space); a type the file lacks reads as 0, and a file
// with none of them is refused as not a heap profile. Frames come leaf
// first, one per line of each location (inlined functions included); the
// frame kind, which pprof does not store, is inferred: kAllocator for the
// leaf when its name is an allocator function, kJit for module "[jit]",
// kUnknown without a function name, kProgram in the main binary (the first
// mapping's file), else kLibrary. Samples with the same locations are
// summed. Bytes of strings that are not UTF-8 read as U+FFFD (protobuf
// refuses such strings otherwise). Comments allocprof wrote go back to
// target, command line, losses and notes; other comments become notes.
// Stacks come largest in-use bytes first. Not stored in the file, so left
// empty: events, totals, loader_mappings, intervals and inuse_bytes_by_kind.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_READER_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// A pprof profile from its file's bytes, gzipped or not. Truncated,
// corrupt or inconsistent data is an InvalidArgument error that says what is
// wrong.
absl::StatusOr<Profile> ParsePprof(absl::string_view data);

// The pprof profile in the file at `path`; errors start with the path
// ("cannot open /x.pb.gz: No such file or directory", "/x.pb.gz: not a
// pprof profile: ...").
absl::StatusOr<Profile> ReadPprofFile(const std::string& path);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_READER_H_
