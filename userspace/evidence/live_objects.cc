#include "userspace/evidence/live_objects.h"

#include <algorithm>
#include <map>

namespace allocprof {
namespace {

constexpr int64_t kSecond = 1000000000;
// Upper bounds of the age buckets but the last.
constexpr int64_t kAgeLimits[kAgeBuckets - 1] = {kSecond, 10 * kSecond,
                                                 60 * kSecond, 600 * kSecond};
constexpr const char* kAgeLabels[kAgeBuckets] = {"<1s", "<10s", "<1min",
                                                 "<10min", "older"};

}  // namespace

int AgeBucket(int64_t age_ns) {
  for (int i = 0; i < kAgeBuckets - 1; ++i) {
    if (age_ns < kAgeLimits[i]) return i;
  }
  return kAgeBuckets - 1;
}

const char* AgeBucketLabel(int bucket) { return kAgeLabels[bucket]; }

int SizeClass(uint64_t size) {
  return size == 0 ? 0 : 63 - __builtin_clzll(size);
}

LiveByStack::LiveByStack(const std::vector<LiveObject>& objects,
                         uint64_t now_ns, int64_t min_age_ns,
                         size_t keep_oldest) {
  // Exact sizes per stack, for the most common one.
  absl::flat_hash_map<StackRef, std::map<uint64_t, int64_t>> sizes;
  for (const LiveObject& o : objects) {
    const int64_t age =
        o.time_ns >= now_ns ? 0 : static_cast<int64_t>(now_ns - o.time_ns);
    if (age < min_age_ns) continue;
    StackLive& s = stacks_[o.stack];
    const int kind = static_cast<int>(o.kind);
    const auto bytes = static_cast<int64_t>(o.bytes);
    s.bytes[kind] += bytes;
    ++s.objects[kind];
    bytes_[kind] += bytes;
    ++objects_[kind];
    StackEvidence& e = s.evidence;
    const bool first = s.oldest.empty();  // holds every counted object so far
    e.oldest_age_ns = first ? age : std::max(e.oldest_age_ns, age);
    e.newest_age_ns = first ? age : std::min(e.newest_age_ns, age);
    ++e.age_objects[AgeBucket(age)];
    ++e.size_objects[SizeClass(o.bytes)];
    ++sizes[o.stack][o.bytes];
    s.oldest.push_back(o);
  }
  for (auto& [stack, s] : stacks_) {
    for (const auto& [size, count] : sizes[stack]) {
      if (count > s.evidence.common_size_objects) {  // ascending: smallest wins ties
        s.evidence.common_size = size;
        s.evidence.common_size_objects = count;
      }
    }
    const size_t keep = std::min(keep_oldest, s.oldest.size());
    std::partial_sort(s.oldest.begin(), s.oldest.begin() + keep, s.oldest.end(),
                      [](const LiveObject& a, const LiveObject& b) {
                        return a.time_ns != b.time_ns ? a.time_ns < b.time_ns
                                                      : a.addr < b.addr;
                      });
    s.oldest.resize(keep);
  }
}

const StackLive* LiveByStack::Find(StackRef stack) const {
  auto it = stacks_.find(stack);
  return it == stacks_.end() ? nullptr : &it->second;
}

}  // namespace allocprof
