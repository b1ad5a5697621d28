// A Profile as a pprof heap profile (profile.proto, gzipped), in Go's heap
// profile convention so `go tool pprof`, Pyroscope, Parca and Grafana read
// it as one:
//   sample types  alloc_objects/count, alloc_space/bytes, inuse_objects/count,
//                 inuse_space/bytes (in that order); default inuse_space;
//                 period type space/bytes, period 1 (every call is counted);
//   samples       one per ProfileStack, locations leaf first; a lost stack
//                 has the label stack=lost and a "[stack lost]" root;
//   locations     one per (address, mapping, lines), mapped by address
//                 into Profile::mappings (mapping 1 is the main binary);
//                 one line per function at the address: the functions
//                 inlined there, innermost first, then the function whose
//                 code it is; each names the frame's function, or its
//                 DisplayName when the function is unknown, and carries its
//                 source line when known;
//   mappings      has_functions always; has_filenames, has_line_numbers
//                 and has_inline_frames where a frame in it has a line;
//   functions     one per (name, filename, start): filename is the source
//                 file when the line is known, else the module (the object
//                 file, which the reader then takes the frame's module
//                 from); start_line is address - offset, the function's
//                 start address, so each frame's offset survives the file
//                 (pprof has no field for it), 0 for inlined functions; two
//                 static functions of one name in one module differ by
//                 start;
//   strings       made valid UTF-8 (utf8_strings.h), as protobuf requires;
//   comments      the target, command line, losses and notes
//                 (see pprof_comments.h).
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_WRITER_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_WRITER_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// The gzipped pprof file's bytes.
absl::StatusOr<std::string> EncodePprof(const Profile& profile);

// Writes the gzipped pprof file's bytes to `out`.
absl::Status WritePprof(std::ostream& out, const Profile& profile);

// Writes the gzipped pprof file to `path`, replacing it. The error names the
// path and the reason ("cannot write pprof profile to /x: No such file or
// directory").
absl::Status WritePprofFile(const std::string& path, const Profile& profile);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_WRITER_H_
