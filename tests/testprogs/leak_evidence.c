/*
 * A slow steady leak, a large cache filled once and a busy churn loop in one
 * process, plus a mapping only partly touched: what allocprof's leak
 * suspects, ages, --peek and resident figures are checked against
 * (leak_evidence_truth.h).
 *
 *   leak_evidence [--now] [--stay]      (handshake: see testprog.h)
 *
 * The leak is paced with nanosleep between steps: the pacing is the point,
 * not a wait for the tracer (that is the go signal).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "leak_evidence_truth.h"
#include "testprog.h"

#define NOINLINE __attribute__((noinline))

void *cache[CACHE_COUNT];
void *partly_touched;
void *leaked[LEAK_STEPS];
long long leak_times_ns[LEAK_STEPS];
void *churn_batch[CHURN_BATCH];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static long long monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long long kib = -1;

	if (!f)
		die("/proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %lld kB", &kib) == 1)
			break;
	fclose(f);
	return kib * 1024;
}

NOINLINE void fill_cache(void)
{
	for (int i = 0; i < CACHE_COUNT; i++) {
		if (!(cache[i] = malloc(CACHE_BLOCK_SIZE)))
			die("malloc");
		memset(cache[i], 'c', CACHE_BLOCK_SIZE);
	}
}

NOINLINE void map_partly_touched(void)
{
	char *map = mmap(NULL, PARTLY_MAP_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (map == MAP_FAILED)
		die("mmap");
	/* A huge page would make the first touch resident 2 MiB at once. */
	madvise(map, PARTLY_MAP_SIZE, MADV_NOHUGEPAGE);
	memset(map, 't', PARTLY_TOUCHED_SIZE);
	partly_touched = map;
}

NOINLINE void leak_step(int i)
{
	char *p = malloc(LEAK_SIZE);

	if (!p)
		die("malloc");
	memset(p, 0, LEAK_SIZE);
	snprintf(p, LEAK_SIZE, LEAK_TAG "%d", i);
	leaked[i] = p;
	leak_times_ns[i] = monotonic_ns();
}

NOINLINE void churn(void)
{
	for (int round = 0; round < CHURN_ROUNDS; round++) {
		for (int i = 0; i < CHURN_BATCH; i++)
			if (!(churn_batch[i] = malloc(CHURN_SIZE)))
				die("malloc");
		for (int i = 0; i < CHURN_BATCH; i++)
			free(churn_batch[i]);
	}
}

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);
	const struct timespec step = {0, LEAK_STEP_NS};

	testprog_ready();
	testprog_wait_for_go(&opts);
	const long long rss_at_go = rss_bytes();

	fill_cache();
	map_partly_touched();
	for (int i = 0; i < LEAK_STEPS; i++) {
		leak_step(i);
		churn();
		nanosleep(&step, NULL);
	}

	printf("%s", LEAK_TIMES_PREFIX);
	for (int i = 0; i < LEAK_STEPS; i++)
		printf(" %lld", leak_times_ns[i]);
	printf("\n%s %lld\n", RSS_GROWTH_PREFIX, rss_bytes() - rss_at_go);
	testprog_done(&opts);
	return 0;
}
