// Every allocator a target uses, probed: the functions of allocator_catalog.h
// and the user's declared ones, in every object the target maps (the
// executable included), and in objects it maps later (dlopen) as soon as
// they appear.
#ifndef ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_PROBES_H_
#define ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_PROBES_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "userspace/attach/allocator_discovery.h"
#include "userspace/attach/bpf_probes.h"
#include "userspace/attach/custom_functions.h"
#include "userspace/common/session_log.h"
#include "userspace/symbols/module_map.h"

namespace allocprof {

class AllocatorProbes {
 public:
  AllocatorProbes(BpfProbes& bpf, std::vector<CustomFunction> custom)
      : bpf_(bpf), custom_(std::move(custom)) {}

  // Probes the objects of `modules` not seen before; -v gets a line per
  // probe: where it sits and why there. Objects that cannot be read or
  // probed, and declared functions missing from their object, are skipped,
  // each named on -v; the error names the first and counts the rest. The
  // caller decides what that costs: at the start the session cannot go on
  // without them, later they are notes.
  absl::Status ProbeNewObjects(const ModuleMap& modules, SessionLog& log);

  // Whether something allocates and something releases: without both, the
  // profile would be meaningless.
  bool CoversAllocation() const;

  const std::vector<ProbedFunction>& probed() const { return probed_; }
  const AllocatorFamilies& families() const { return families_; }
  // Objects probed (not counting those with nothing to probe).
  size_t object_count() const { return objects_with_probes_; }
  // Declared functions whose object the target never mapped, as given.
  std::vector<std::string> UnmatchedCustom() const;

 private:
  BpfProbes& bpf_;
  std::vector<CustomFunction> custom_;
  AllocatorFamilies families_;
  std::vector<ProbedFunction> probed_;
  absl::flat_hash_set<std::string> seen_objects_;
  absl::flat_hash_set<std::string> matched_custom_;
  size_t objects_with_probes_ = 0;
};

// "malloc+ret at /usr/lib/.../libc.so.6+0x9a0f0 (`push r12`, emulated)",
// one line: where the probe sits and why there (DescribeSite).
std::string DescribeProbe(const ProbedFunction& f);

// "67 functions in /usr/lib/.../libmimalloc.so.2: 63 on an emulated
// instruction (58 past the entry), 4 single-stepped", for the functions
// probed in one object.
std::string DescribeSites(absl::Span<const ProbedFunction> functions);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_PROBES_H_
