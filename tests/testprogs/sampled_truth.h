/*
 * Ground truth of tests/testprogs/sampled.c, the program --sample-bytes is
 * checked against: a leak of known total bytes in blocks of mixed sizes, a
 * realloc chain whose final blocks are kept, and churn that frees all it
 * allocates.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_SAMPLED_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_SAMPLED_TRUTH_H

#define SAMPLED_MiB (1024ull * 1024ull)

/* leak_mixed: SAMPLED_ROUNDS rounds, each leaking exactly SAMPLED_ROUND_BYTES
 * in blocks whose sizes cycle through sampled_sizes[] (16 B to 1 MiB). Many
 * rounds, so that the estimate of their sum has a small relative spread:
 * for mean gap N and total T its standard deviation is below sqrt(N * T),
 * 3.5% of T for N = 512 KiB and T = 400 MiB. */
#define SAMPLED_ROUNDS 20
#define SAMPLED_ROUND_BYTES (20 * SAMPLED_MiB)
#define SAMPLED_LEAK_BYTES ((unsigned long long)SAMPLED_ROUNDS * SAMPLED_ROUND_BYTES)

/* churn_sampled: SAMPLED_CHURN_COUNT x free(malloc(size)), sizes cycling
 * like the leak's: every sampled block is freed, nothing outstanding. */
#define SAMPLED_CHURN_COUNT 20000

/* The mean gap the e2e test samples with. */
#define SAMPLED_MEAN_BYTES (512 * 1024)

#endif /* ALLOCPROF_TESTS_TESTPROGS_SAMPLED_TRUTH_H */
