// The session facts of a Profile (target, command line, losses, notes) as
// pprof comments: lines a person reads with `go tool pprof -comments`, each
// starting with "allocprof " so allocprof can put them back where they came
// from when it reads the profile.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_COMMENTS_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_COMMENTS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// "allocprof heap profile", then one line each: "allocprof target: ...",
// "allocprof command line: ...", "allocprof lost: 12 events (ring buffer
// full)", "allocprof note: ...". The first line is always there: it marks
// the file as allocprof's.
std::vector<std::string> SessionComments(const Profile& profile);

// Puts the facts of comments written by SessionComments back into
// `profile` (target, command_line, losses, notes) and keeps every other
// comment as a note, so nothing a file says is dropped. Returns whether the
// comments mark the file as allocprof's.
bool ReadSessionComments(const std::vector<std::string>& comments,
                         Profile* profile);

// argv as one line a POSIX shell splits back into the same words: words
// with characters a shell treats specially are single-quoted.
std::string QuoteCommandLine(const std::vector<std::string>& argv);

// The inverse of QuoteCommandLine (plain words, '...' and \x escapes);
// false on an unterminated quote.
bool SplitCommandLine(absl::string_view line, std::vector<std::string>* argv);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_PPROF_PPROF_COMMENTS_H_
