/*
 * Ground truth of tests/testprogs/custom_pool.c: a bump-pointer pool that
 * carves blocks out of one arena, with three allocate entry points and one
 * release entry point, declared to allocprof with
 *
 *   --alloc-fn custom_pool:pool_alloc:size=ARG2
 *   --alloc-fn custom_pool:pool_alloc_array:size=ARG3:count=ARG2:ret
 *   --alloc-fn custom_pool:pool_alloc_out:size=ARG3:out=ARG2
 *   --free-fn  custom_pool:pool_free:ptr=ARG2
 *
 *   void *pool_alloc(struct pool *p, size_t size);
 *   void *pool_alloc_array(struct pool *p, size_t count, size_t size);
 *   int pool_alloc_out(struct pool *p, void **out, size_t size);
 *   void pool_free(struct pool *p, void *block);
 *
 * The arena is malloc'd inside the first pool_alloc call, after the go
 * signal: it is nested in a tracked allocate call, so it must not count on
 * its own (its bytes are the pool's blocks).
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_CUSTOM_POOL_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_CUSTOM_POOL_TRUTH_H

#include "truth.h"

/* Above glibc's mmap threshold: malloc maps it, inside pool_alloc. */
#define POOL_ARENA_SIZE (1024 * 1024)

/* leak_pool (the first pool user, so the arena's malloc is nested in its
 * first call): POOL_LEAK_COUNT x pool_alloc(POOL_LEAK_SIZE), kept. */
#define POOL_LEAK_COUNT 50
#define POOL_LEAK_SIZE 200
/* leak_pool_array: POOL_ARRAY_COUNT x
 * pool_alloc_array(POOL_ARRAY_NMEMB, POOL_ARRAY_SIZE), kept. */
#define POOL_ARRAY_COUNT 10
#define POOL_ARRAY_NMEMB 12
#define POOL_ARRAY_SIZE 40
/* leak_pool_out: POOL_OUT_COUNT x pool_alloc_out(&p, POOL_OUT_SIZE), kept. */
#define POOL_OUT_COUNT 20
#define POOL_OUT_SIZE 300
/* keep_half_pool: 2 x POOL_HALF_COUNT x pool_alloc(POOL_HALF_SIZE), every
 * other one released with pool_free. */
#define POOL_HALF_COUNT 40
#define POOL_HALF_SIZE 128
/* churn_pool: POOL_CHURN_COUNT x pool_free(pool_alloc(POOL_CHURN_SIZE)). */
#define POOL_CHURN_COUNT 1000
#define POOL_CHURN_SIZE 64

/* Bytes carved in all (blocks are rounded up to POOL_GRAIN). */
#define POOL_GRAIN 16

static const struct truth_expectation custom_pool_expected[]
	__attribute__((unused)) = {
	{ "leak_pool", POOL_LEAK_COUNT * POOL_LEAK_SIZE, { "pool_alloc", 0 } },
	{ "leak_pool_array", POOL_ARRAY_COUNT * POOL_ARRAY_NMEMB * POOL_ARRAY_SIZE,
	  { "pool_alloc_array", 0 } },
	{ "leak_pool_out", POOL_OUT_COUNT * POOL_OUT_SIZE,
	  { "pool_alloc_out", 0 } },
	{ "keep_half_pool", POOL_HALF_COUNT * POOL_HALF_SIZE,
	  { "pool_alloc", 0 } },
};

static const char *const custom_pool_absent[] __attribute__((unused)) = {
	"churn_pool",
};

#endif /* ALLOCPROF_TESTS_TESTPROGS_CUSTOM_POOL_TRUTH_H */
