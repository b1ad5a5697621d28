// Shared by the fuzz harnesses: an invariant that must hold on every input.
// A broken one aborts, so libFuzzer records the input as a crash, with the
// condition and the harness line on stderr.
#ifndef ALLOCPROF_TESTS_FUZZ_FUZZ_CHECK_H_
#define ALLOCPROF_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,     \
                   __LINE__, #cond);                                      \
      std::abort();                                                       \
    }                                                                     \
  } while (0)

#endif  // ALLOCPROF_TESTS_FUZZ_FUZZ_CHECK_H_
