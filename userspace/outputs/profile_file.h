// Reads a saved profile whatever its format, so that `allocprof report`
// and `allocprof diff` take any file allocprof wrote without being told
// which kind it is.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_PROFILE_FILE_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_PROFILE_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/profile/profile.h"

namespace allocprof {

enum class ProfileFormat {
  kJson,          // docs/json-schema.md
  kPprofGzip,     // pprof as written: gzip-compressed protobuf
  kPprofProtobuf,  // pprof, uncompressed
  kUnknown,
};

// What a file's whole `contents` look like: gzip's magic number; '{' after
// any whitespace; or, to the last byte, well-formed protobuf fields of the
// kinds pprof's Profile message has, its string table among them. Does not
// validate: a file that looks right may still fail to read.
ProfileFormat DetectProfileFormat(absl::string_view contents);

// The profile in `path`, read by the reader of its format. A file in
// neither format fails with InvalidArgument naming the path and the
// formats expected; every error names the path.
absl::StatusOr<Profile> ReadProfileFile(const std::string& path);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_PROFILE_FILE_H_
