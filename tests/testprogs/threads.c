/*
 * Allocation from threads other than the one allocprof was pointed at:
 * after the go signal the main thread starts THREADS_COUNT threads, each
 * churns flat out and then leaks through thread_leak (threads_truth.h), and
 * joins them.
 *
 *   threads [--now] [--stay]      (handshake: see testprog.h)
 *
 * The threads are created after the signal, so the trace also sees a new
 * thread's first malloc, which makes glibc set up a per-thread arena.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testprog.h"
#include "threads_truth.h"

/* Global, so that the blocks stay reachable and the calls cannot be
 * optimised away. */
void *thread_blocks[THREADS_COUNT][THREAD_LEAK_COUNT];

__attribute__((noinline)) void thread_leak(void **blocks)
{
	for (int i = 0; i < THREAD_LEAK_COUNT; i++) {
		if (!(blocks[i] = malloc(THREAD_LEAK_SIZE))) {
			perror("malloc");
			exit(1);
		}
	}
}

/* Flat out: the threads together make events as fast as the probes let
 * them, which the ring buffer and its reader must keep up with. */
__attribute__((noinline)) void thread_churn(void)
{
	for (int i = 0; i < THREAD_CHURN_PAIRS; i++) {
		void *p = malloc(THREAD_CHURN_SIZE);

		if (!p) {
			perror("malloc");
			exit(1);
		}
		__asm__ volatile("" : : "r"(p) : "memory");
		free(p);
	}
}

static void *thread_main(void *arg)
{
	thread_churn();
	thread_leak(arg);
	return NULL;
}

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);
	pthread_t threads[THREADS_COUNT];

	/* Before any thread exists, so every thread inherits the blocked
	 * signals and only sigwaitinfo in this thread takes them. */
	testprog_ready();
	testprog_wait_for_go(&opts);

	for (int t = 0; t < THREADS_COUNT; t++) {
		int err = pthread_create(&threads[t], NULL, thread_main,
					 thread_blocks[t]);

		if (err != 0) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (int t = 0; t < THREADS_COUNT; t++)
		pthread_join(threads[t], NULL);

	testprog_done(&opts);
	return 0;
}
