/*
 * Ground truth of tests/testprogs/threads.c: THREADS_COUNT threads, created
 * after the go signal, each run thread_churn, THREAD_CHURN_PAIRS x
 * malloc(THREAD_CHURN_SIZE) + free as fast as they can, all at once, then
 * thread_leak, which keeps THREAD_LEAK_COUNT x malloc(THREAD_LEAK_SIZE).
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_THREADS_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_THREADS_TRUTH_H

#define THREADS_COUNT 2
#define THREAD_LEAK_COUNT 50
#define THREAD_LEAK_SIZE 1000
#define THREAD_CHURN_PAIRS 200000
#define THREAD_CHURN_SIZE 64

/* Folded stacks through thread_leak, summed; malloc is its direct callee. */
#define THREADS_LEAK_FUNCTION "thread_leak"
#define THREADS_LEAK_LEAF "malloc"
#define THREADS_EXPECTED_BYTES \
	(THREADS_COUNT * THREAD_LEAK_COUNT * THREAD_LEAK_SIZE)

#endif /* ALLOCPROF_TESTS_TESTPROGS_THREADS_TRUTH_H */
