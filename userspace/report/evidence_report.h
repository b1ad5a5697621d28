// The parts of the report that tell a leak from a cache: leak suspects,
// the resident-memory reconciliation, and the age, size, resident and peek
// lines under each stack.
#ifndef ALLOCPROF_USERSPACE_REPORT_EVIDENCE_REPORT_H_
#define ALLOCPROF_USERSPACE_REPORT_EVIDENCE_REPORT_H_

#include <ostream>

#include "userspace/profile/profile.h"

namespace allocprof {

// "Leak suspects (...):" and one line a suspect, "  1. +RATE B/s ...; CALLERS",
// the callers from the program's own frame on (OwnCodeStack).
void WriteLeakSuspects(std::ostream& out, const Profile& profile);

// The --min-age line and the reconciliation of traced bytes with the RSS.
void WriteMemoryFacts(std::ostream& out, const Profile& profile);

// Lines under a stack of the report, indented like its frames.
void WriteStackEvidence(std::ostream& out, const ProfileStack& stack);

// Running summary: up to `count` leak suspects so far, "  growing ...",
// named as WriteLeakSuspects() names them.
void WriteGrowingStacks(std::ostream& out, const Profile& profile, int count);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_REPORT_EVIDENCE_REPORT_H_
