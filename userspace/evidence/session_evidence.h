// What a live session adds to its profile's stacks beyond the aggregator's
// counts: ages and sizes of outstanding allocations (and the --min-age
// filter), the growth history behind leak suspects, resident bytes of
// mappings, peek candidates, and the target's RSS at the start and end.
//
// Use per snapshot: Prepare, then ProfileBuilder::Build with Annotate for
// each stack, then Finish.
#ifndef ALLOCPROF_USERSPACE_EVIDENCE_SESSION_EVIDENCE_H_
#define ALLOCPROF_USERSPACE_EVIDENCE_SESSION_EVIDENCE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "userspace/aggregate/aggregator.h"
#include "userspace/evidence/growth_series.h"
#include "userspace/evidence/live_objects.h"
#include "userspace/profile/profile.h"
#include "userspace/symbols/process_handle.h"

namespace allocprof {

struct EvidenceOptions {
  int64_t min_age_ns = 0;  // --min-age
  int peek = 0;            // --peek: allocations read per shown stack
  // --mode pages: what is outstanding was resident when written, page by
  // page; reading the residency of every page again at the end would cost
  // a pagemap read per page for no news.
  bool skip_resident = false;
};

// CLOCK_MONOTONIC now, in ns: the clock BPF stamps events with.
uint64_t MonotonicNowNs();

class SessionEvidence {
 public:
  // Reads the target's /proc files through `process`, which must outlive
  // the SessionEvidence.
  SessionEvidence(const ProcessHandle& process, EvidenceOptions options)
      : process_(process), options_(options) {}

  // Reads the target's RSS at the start of the session.
  void Start();
  // Samples every stack's outstanding bytes at `seconds` since tracing
  // began. True when older samples were thinned: sample half as often.
  bool Sample(double seconds, const Aggregator& aggregator);

  // Takes the aggregator's outstanding allocations as of `now_ns`
  // (CLOCK_MONOTONIC). `at_end`: the final snapshot, which also reads the
  // target's resident memory (smaps, pagemap, status).
  void Prepare(const Aggregator& aggregator, uint64_t now_ns, bool at_end);
  // Fills stack.evidence for `ref` and, with a minimum age, its in-use
  // values (only allocations at least that old count).
  void Annotate(StackRef ref, ProfileStack& stack) const;
  // Session-wide fields: growth_seconds, min_age_ns, memory, notes; with a
  // minimum age, the outstanding totals of the allocations that count.
  void Finish(Profile& profile) const;

 private:
  // Resident bytes of each stack's outstanding mappings, or a note on why
  // they are not known.
  void ReadResident(const Aggregator& aggregator);

  const ProcessHandle& process_;
  EvidenceOptions options_;
  GrowthSeries growth_;
  std::unique_ptr<LiveByStack> live_;
  uint64_t now_ns_ = 0;
  absl::flat_hash_map<StackRef, int64_t> resident_;
  ResidentMemory memory_;
  std::string resident_note_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVIDENCE_SESSION_EVIDENCE_H_
