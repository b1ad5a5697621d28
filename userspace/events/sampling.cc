#include "userspace/events/sampling.h"

#include <cmath>

namespace allocprof {

uint64_t SampledBytes(uint64_t size, uint64_t mean) {
  if (mean == 0 || size == 0) return size;
  const double s = static_cast<double>(size);
  // -expm1(-x) = 1 - exp(-x), exact for small x where 1 - exp(-x) is not.
  const double p = -std::expm1(-s / static_cast<double>(mean));
  return static_cast<uint64_t>(std::llround(s / p));
}

}  // namespace allocprof
