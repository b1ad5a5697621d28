// Writing an output file as root without being turned against the host.
//
// allocprof runs as root and its output paths often lie in directories
// other users can write (/tmp). Opening such a path would follow a link
// planted there and write wherever it points. Instead every output is
// written to a new file made beside the destination (O_CREAT|O_EXCL|
// O_NOFOLLOW, so nothing existing is opened), synced, and renamed over the
// destination: rename() replaces a link instead of following it, and a
// reader never sees half a file.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_REPLACE_FILE_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_REPLACE_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace allocprof {

// Whether `path` can be replaced by ReplaceFile: its directory exists and is
// writable, and the destination, if there, is a regular file (or a link to
// one, or a dangling link: either is replaced) that is not another user's in
// a sticky, world-writable directory such as /tmp. FailedPrecondition
// otherwise, "cannot write `what` `path`: why" (`what` names the option,
// e.g. "--folded").
absl::Status CheckReplaceable(absl::string_view what, const std::string& path);

// Replaces `path` with a file holding `contents` (mode 0644 before the
// umask), after the checks of CheckReplaceable. On failure the destination
// is left as it was and no temporary file remains.
absl::Status ReplaceFile(absl::string_view what, const std::string& path,
                         absl::string_view contents);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_REPLACE_FILE_H_
