// Tracing::Snapshot: the session so far as a Profile -- the named stacks
// and the session's facts, with every note on what was lost or degraded,
// gathered from the parts that know.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "userspace/attach/thp_policy.h"
#include "userspace/java/pooled_chunks.h"
#include "userspace/profile/losses.h"
#include "userspace/session/tracing.h"

namespace allocprof {
namespace {

void Append(std::vector<std::string>& notes, std::vector<std::string> more) {
  for (std::string& line : more) notes.push_back(std::move(line));
}

void Append(std::vector<std::string>& notes, std::string note) {
  if (!note.empty()) notes.push_back(std::move(note));
}

}  // namespace

Profile Tracing::Snapshot(bool at_end) {
  evidence_.Prepare(aggregator_, MonotonicNowNs(), at_end);
  Profile profile = builder_.Build(
      aggregator_, [&](StackRef ref, ProfileStack& stack) { evidence_.Annotate(ref, stack); });
  profile.target = target_.description();
  profile.command_line = target_.command_line();
  profile.start_unix_ns = absl::ToUnixNanos(start_);
  profile.duration_ns = absl::ToInt64Nanoseconds(absl::Now() - start_);
  profile.events = sink_.handled();
  profile.loader_mappings = sink_.loader_mappings();
  profile.sample_bytes = overhead_->active() ? overhead_->mean() : options_.sample_bytes;
  if (options_.pages_mode) profile.page_bytes = kPageBytes;
  BpfProbes& probes = *attachment_.probes;
  const DropCounters drops = probes.ReadDropCounters();
  profile.losses = NameLosses(drops, reader_ ? reader_->malformed() : ring_malformed_);
  profile.overhead = overhead_->Figures();

  std::vector<std::string>& notes = profile.notes;
  notes = DropNotes(drops);
  Append(notes, ExecNote(profile.totals, start_ns_));
  Append(notes, overhead_->Notes());
  Append(notes, ThpNote(probes.config().thp));
  Append(notes, attachment_.symbolizer->Notes());
  // What the kernel refused, objects without unwind rows or probes.
  Append(notes, log_.notes());
  Append(notes, java_.Notes());
  Append(notes, python_.Notes(profile));
  Append(notes, PooledChunkNote(profile));
  const AllocatorProbes& allocators = *attachment_.allocators;
  for (const std::string& spec : allocators.UnmatchedCustom()) {
    notes.push_back(absl::StrCat("'", spec, "': its object was never mapped"));
  }
  const Totals& totals = profile.totals;
  if (totals.mismatched_frees > 0) {
    profile.mismatch_example = absl::StrCat(
        "allocated by ", allocators.families().Name(totals.first_mismatch.first),
        ", released by ", allocators.families().Name(totals.first_mismatch.second));
  }
  profile.intervals = intervals_;
  evidence_.Finish(profile);
  return profile;
}

}  // namespace allocprof
