// What one sampled allocation stands for (--sample-bytes N). BPF samples an
// allocation of `size` bytes with probability 1 - exp(-size / N) (a sample
// point of a Poisson process with mean gap N falls inside it), so counting
// it as size / (1 - exp(-size / N)) bytes gives an unbiased estimate of the
// bytes allocated -- the estimator tcmalloc, jemalloc and Go's heap
// profiles use.
#ifndef ALLOCPROF_USERSPACE_EVENTS_SAMPLING_H_
#define ALLOCPROF_USERSPACE_EVENTS_SAMPLING_H_

#include <cstdint>

namespace allocprof {

// Estimated bytes behind one sample of `size` bytes at mean gap `mean`
// (rounded); `size` when mean is 0 (no sampling) or size is 0.
uint64_t SampledBytes(uint64_t size, uint64_t mean);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVENTS_SAMPLING_H_
