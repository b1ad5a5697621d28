// Reads a profile saved by json_writer.h (or made by a script in the same
// schema, docs/json-schema.md) back into a Profile, so that it can be
// reported, drawn or compared away from the host it was taken on.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_READER_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_READER_H_

#include <istream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// The Profile in `text`. Fails (InvalidArgument) on text that is not JSON,
// on JSON whose "schema" is not "allocprof-profile", on a major version
// newer than this reader's (FailedPrecondition: written by a newer
// allocprof), and on a member of the wrong type, naming it:
// "stacks[3].values.inuse_bytes: expected an integer, found string".
// Members the reader does not know are ignored (a newer minor version);
// members left out keep the Profile's defaults.
absl::StatusOr<Profile> ProfileFromJson(absl::string_view text);

// ProfileFromJson of the whole stream.
absl::StatusOr<Profile> ReadJson(std::istream& in);

// ProfileFromJson of a file; errors start with the path.
absl::StatusOr<Profile> ReadJsonFile(const std::string& path);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_JSON_JSON_READER_H_
