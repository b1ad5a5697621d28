// The report a person reads: totals, losses, and the stacks that hold the
// most outstanding bytes; and the one-screen running summary of --interval.
#ifndef ALLOCPROF_USERSPACE_REPORT_TEXT_REPORT_H_
#define ALLOCPROF_USERSPACE_REPORT_TEXT_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include "userspace/profile/profile.h"

namespace allocprof {

// "1048576 B (1.0 MiB)": exact bytes for scripts, a rounded form for people.
std::string FormatBytes(int64_t bytes);

// The caller chain of a stack in one line, the allocator frame left out:
// "handle_request <- main <- __libc_start_call_main" (`depth` names at most).
std::string ShortStack(const ProfileStack& stack, size_t depth);

// The same from the program's own frame (own_code.h): a leak suspect's
// chain, "remember(int) (cache.cc:15) <- main (cache.cc:30)", rather than the
// allocator's and the standard library's templates. ShortStack() for a stack
// without such a frame.
std::string OwnCodeStack(const ProfileStack& stack, size_t depth);

// The full report, with the `top` stacks that hold the most in-use bytes.
void WriteTextReport(std::ostream& out, const Profile& profile, int top);

// "[12.0s] outstanding ... in N objects; allocated ..., freed ..." and the
// top 5 stacks, one line each, and the leak suspects so far ("  growing
// +RATE B/s  CALLERS"), from a profile of the session so far.
void WriteIntervalSummary(std::ostream& out, const Profile& profile);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_REPORT_TEXT_REPORT_H_
