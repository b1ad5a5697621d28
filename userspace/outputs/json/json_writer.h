// A Profile as JSON, for scripts: every fact the session knows, lossless,
// in a versioned schema (docs/json-schema.md) that json_reader.h reads back.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_WRITER_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_WRITER_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// The whole document, indented, ending in a newline. Text that is not
// valid UTF-8 (a mangled symbol, a path in another encoding) is written
// with U+FFFD in place of the invalid bytes: JSON strings are Unicode.
std::string ProfileToJson(const Profile& profile);

// ProfileToJson into `out`; fails when the stream does.
absl::Status WriteJson(std::ostream& out, const Profile& profile);

// ProfileToJson into a file, created or truncated. The error names the
// path and the reason: "cannot write /x/p.json: No space left on device".
absl::Status WriteJsonFile(const std::string& path, const Profile& profile);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_WRITER_H_
