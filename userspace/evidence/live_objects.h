// Ages and sizes of a stack's outstanding allocations, grouped from the
// aggregator's LiveObjects at one moment, and the --min-age filter: with a
// minimum age, younger allocations (buffers in flight) are left out of every
// figure, as if they had not been made.
#ifndef ALLOCPROF_USERSPACE_EVIDENCE_LIVE_OBJECTS_H_
#define ALLOCPROF_USERSPACE_EVIDENCE_LIVE_OBJECTS_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "userspace/aggregate/aggregator.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// The age bucket of `age_ns` (see kAgeBuckets), and its label ("<1s").
int AgeBucket(int64_t age_ns);
const char* AgeBucketLabel(int bucket);

// The size class of `size` (see kSizeClasses).
int SizeClass(uint64_t size);

// What one stack holds among the counted objects.
struct StackLive {
  int64_t bytes[kMemKinds] = {};
  int64_t objects[kMemKinds] = {};
  StackEvidence evidence;  // ages, sizes, common size; growth and peeks empty
  // Up to `keep_oldest` of its objects, oldest first: the ones most likely
  // forgotten, and those --peek reads.
  std::vector<LiveObject> oldest;
};

class LiveByStack {
 public:
  // Groups `objects` by stack as of `now_ns` (same clock as their time_ns).
  // Objects younger than `min_age_ns` are not counted. An object stamped
  // after `now_ns` (clocks read on different CPUs) has age 0.
  LiveByStack(const std::vector<LiveObject>& objects, uint64_t now_ns,
              int64_t min_age_ns, size_t keep_oldest);

  // The stack's figures, or nullptr when it holds no counted object.
  const StackLive* Find(StackRef stack) const;
  // Sum over stacks.
  const int64_t (&bytes() const)[kMemKinds] { return bytes_; }
  const int64_t (&objects() const)[kMemKinds] { return objects_; }

 private:
  absl::flat_hash_map<StackRef, StackLive> stacks_;
  int64_t bytes_[kMemKinds] = {};
  int64_t objects_[kMemKinds] = {};
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVIDENCE_LIVE_OBJECTS_H_
