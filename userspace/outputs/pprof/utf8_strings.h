// pprof's strings as valid UTF-8. profile.proto declares them `string`, and
// protobuf (C++, and Go's, which Pyroscope and Parca use) refuses to parse
// a message whose string fields are not UTF-8; symbol names and paths are
// bytes and need not be.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_PPROF_UTF8_STRINGS_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_PPROF_UTF8_STRINGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace allocprof {

// `text` with each byte that does not belong to a well-formed UTF-8
// sequence replaced by U+FFFD; valid text is returned unchanged.
std::string ValidUtf8(absl::string_view text);

// A serialized pprof Profile with every string_table entry made ValidUtf8,
// so that files other tools wrote from raw bytes still parse. Strings live
// only in the string table (field 6 of the top-level message; everything
// else refers to them by index), so only the top level is walked. Fails
// when the bytes are not a well-formed sequence of protobuf fields.
absl::StatusOr<std::string> ProfileWithValidUtf8(absl::string_view serialized);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_PPROF_UTF8_STRINGS_H_
