/*
 * A quiet phase, then a busy one, for the overhead guard's test
 * (rising_rate_truth.h).
 *
 *   rising_rate [--now] [--stay]      (handshake: see testprog.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rising_rate_truth.h"
#include "testprog.h"

#define NOINLINE __attribute__((noinline))

/* Written so that no allocation is optimised away. */
void *volatile rising_sink;

static void *must_malloc(unsigned long size)
{
	void *p = malloc(size);

	if (!p) {
		perror("malloc");
		exit(1);
	}
	rising_sink = p;
	return p;
}

NOINLINE void churn_pairs(int depth, int pairs)
{
	if (depth > 0) {
		churn_pairs(depth - 1, pairs);
		/* Not a tail call: every level keeps its frame. */
		__asm__ volatile("" ::: "memory");
		return;
	}
	for (int i = 0; i < pairs; i++)
		free(must_malloc(RISING_CHURN_BYTES));
}

NOINLINE void leak_steadily(void)
{
	must_malloc(RISING_LEAK_BLOCK);
}

static void *held[RISING_HELD_BLOCKS];

NOINLINE void hold_blocks(void)
{
	for (int i = 0; i < RISING_HELD_BLOCKS; i++)
		held[i] = must_malloc(RISING_HELD_BYTES);
}

NOINLINE void release_held(void)
{
	for (int i = 0; i < RISING_HELD_BLOCKS; i++)
		free(held[i]);
}

/* Sleeps until the next tick of a clock that started at `start`. */
static void next_tick(struct timespec *tick)
{
	tick->tv_nsec += RISING_TICK_NS;
	if (tick->tv_nsec >= 1000000000L) {
		tick->tv_nsec -= 1000000000L;
		tick->tv_sec++;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, tick, NULL);
}

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);
	struct timespec tick;

	testprog_ready();
	testprog_wait_for_go(&opts);
	clock_gettime(CLOCK_MONOTONIC, &tick);
	hold_blocks();
	for (int t = 0; t < RISING_QUIET_TICKS; t++) {
		churn_pairs(RISING_CHURN_DEPTH, RISING_QUIET_PAIRS);
		next_tick(&tick);
	}
	for (int t = 0; t < RISING_BUSY_TICKS; t++) {
		churn_pairs(RISING_CHURN_DEPTH, RISING_BUSY_PAIRS);
		leak_steadily();
		next_tick(&tick);
	}
	release_held();
	testprog_done(&opts);
	return 0;
}
