#include "userspace/evidence/session_evidence.h"

#include <time.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "userspace/evidence/proc_memory.h"

namespace allocprof {

uint64_t MonotonicNowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<uint64_t>(ts.tv_nsec);
}

void SessionEvidence::Start() {
  absl::StatusOr<MemoryStatus> status = ReadMemoryStatus(process_);
  if (status.ok()) memory_.start = *status;
}

bool SessionEvidence::Sample(double seconds, const Aggregator& aggregator) {
  return growth_.Add(seconds, aggregator.ByStack());
}

void SessionEvidence::Prepare(const Aggregator& aggregator, uint64_t now_ns,
                              bool at_end) {
  const size_t keep = static_cast<size_t>(std::max(options_.peek, 0));
  now_ns_ = now_ns;
  live_ = std::make_unique<LiveByStack>(aggregator.LiveObjects(), now_ns,
                                        options_.min_age_ns, keep);
  if (!at_end) return;
  if (!options_.skip_resident) ReadResident(aggregator);
  absl::StatusOr<MemoryStatus> status = ReadMemoryStatus(process_);
  if (status.ok()) {
    memory_.end = *status;
  } else {
    memory_.end_missing = std::string(status.status().message());
  }
}

void SessionEvidence::ReadResident(const Aggregator& aggregator) {
  resident_.clear();
  bool any = false;
  aggregator.ForEachOutstandingPiece([&](const RegionPiece&) { any = true; });
  if (!any) return;
  absl::StatusOr<std::vector<Vma>> vmas = ReadSmaps(process_);
  absl::StatusOr<Pagemap> pagemap =
      vmas.ok() ? Pagemap::Open(process_) : absl::StatusOr<Pagemap>(vmas.status());
  if (!pagemap.ok()) {
    resident_note_ = absl::StrCat("resident bytes of mappings unknown: ",
                                  pagemap.status().message());
    return;
  }
  const PageCounter count = [&](uint64_t start, uint64_t end) {
    return pagemap->ResidentBytes(start, end);
  };
  absl::Status failed;
  aggregator.ForEachOutstandingPiece([&](const RegionPiece& p) {
    if (!failed.ok()) return;
    absl::StatusOr<int64_t> bytes = ResidentIn(*vmas, p.start, p.end, count);
    if (!bytes.ok()) {
      failed = bytes.status();
      return;
    }
    resident_[p.region.owner] += *bytes;
  });
  if (!failed.ok()) {
    resident_.clear();
    resident_note_ = absl::StrCat("resident bytes of mappings unknown: ",
                                  failed.message());
  }
}

void SessionEvidence::Annotate(StackRef ref, ProfileStack& stack) const {
  stack.evidence.growth = growth_.Of(ref);
  if (auto it = resident_.find(ref); it != resident_.end()) {
    stack.evidence.resident_bytes = it->second;
  }
  const StackLive* live = live_ ? live_->Find(ref) : nullptr;
  if (live != nullptr) {
    std::vector<int64_t> growth = std::move(stack.evidence.growth);
    const int64_t resident = stack.evidence.resident_bytes;
    stack.evidence = live->evidence;
    stack.evidence.growth = std::move(growth);
    stack.evidence.resident_bytes = resident;
    for (const LiveObject& o : live->oldest) {
      PeekedBlock block;
      block.address = o.addr;
      block.size = o.bytes;
      block.age_ns =
          o.time_ns >= now_ns_ ? 0 : static_cast<int64_t>(now_ns_ - o.time_ns);
      stack.evidence.peeks.push_back(block);
    }
  }
  if (options_.min_age_ns <= 0) return;
  int64_t bytes = 0, objects = 0;
  for (int k = 0; k < kMemKinds; ++k) {
    stack.inuse_bytes_by_kind[k] = live ? live->bytes[k] : 0;
    bytes += live ? live->bytes[k] : 0;
    objects += live ? live->objects[k] : 0;
  }
  stack.values.inuse_bytes = bytes;
  stack.values.inuse_objects = objects;
}

void SessionEvidence::Finish(Profile& profile) const {
  profile.growth_seconds = growth_.seconds();
  profile.min_age_ns = options_.min_age_ns;
  profile.memory = memory_;
  if (!resident_note_.empty()) profile.notes.push_back(resident_note_);
  if (options_.min_age_ns <= 0 || !live_) return;
  Usage& o = profile.totals.outstanding;
  for (int k = 0; k < kMemKinds; ++k) {
    o.bytes[k] = live_->bytes()[k];
    o.objects[k] = live_->objects()[k];
  }
}

}  // namespace allocprof
