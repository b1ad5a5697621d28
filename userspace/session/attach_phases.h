// Where attaching spends its time, for -v: each phase's milliseconds in the
// order they ran, and what each added to allocprof's peak memory.
#ifndef ALLOCPROF_USERSPACE_SESSION_ATTACH_PHASES_H_
#define ALLOCPROF_USERSPACE_SESSION_ATTACH_PHASES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace allocprof {

class AttachPhases {
 public:
  AttachPhases();
  // `phase` ended now.
  void Done(absl::string_view phase);
  // "attach took 84.8 ms, peak memory 26712 KiB: target 0.3 ms, ..."
  std::string Summary() const;

 private:
  absl::Time start_;
  absl::Time last_;
  int64_t peak_kib_;
  std::vector<std::string> phases_;
};

// allocprof's own CPU time so far, user and system.
double CpuSeconds();

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SESSION_ATTACH_PHASES_H_
