/*
 * Ground truth of tests/testprogs/leak_evidence.c: three kinds of memory
 * use that one snapshot cannot tell apart and a history can.
 *
 *   fill_cache          CACHE_COUNT x malloc(CACHE_BLOCK_SIZE) right after
 *                       the go signal, written and kept: large, stable.
 *   map_partly_touched  one anonymous mapping of PARTLY_MAP_SIZE bytes of
 *                       which the first PARTLY_TOUCHED_SIZE are written
 *                       (huge pages off), kept: about PARTLY_TOUCHED_SIZE
 *                       resident.
 *   leak_step           LEAK_STEPS x malloc(LEAK_SIZE), one every
 *                       LEAK_STEP_NS (nanosleep), each starting with the text
 *                       LEAK_TAG and its number, kept: a slow steady leak.
 *   churn               after each leak step, CHURN_ROUNDS rounds of
 *                       CHURN_BATCH x malloc(CHURN_SIZE) then free of all of
 *                       them: busy, nothing kept.
 *
 * Before the done line the program prints
 *   LEAK_TIMES_PREFIX t0 t1 ...   CLOCK_MONOTONIC ns just after each
 *                                 leak_step allocation
 *   RSS_GROWTH_PREFIX n           its VmRSS growth in bytes from the go
 *                                 signal to the end of the scenarios
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_LEAK_EVIDENCE_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_LEAK_EVIDENCE_TRUTH_H

#define CACHE_COUNT 256
#define CACHE_BLOCK_SIZE (16 * 1024)

#define PARTLY_MAP_SIZE (4 * 1024 * 1024)
#define PARTLY_TOUCHED_SIZE (1 * 1024 * 1024)

#define LEAK_STEPS 50
#define LEAK_SIZE 1024
#define LEAK_STEP_NS 100000000L
#define LEAK_TAG "allocprof-leak-evidence #"

#define CHURN_ROUNDS 30
#define CHURN_BATCH 64
#define CHURN_SIZE 256

#define LEAK_TIMES_PREFIX "leak_times_ns"
#define RSS_GROWTH_PREFIX "rss_growth_bytes"

#endif /* ALLOCPROF_TESTS_TESTPROGS_LEAK_EVIDENCE_TRUTH_H */
