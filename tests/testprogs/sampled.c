/*
 * Leaks a known number of bytes in blocks of mixed sizes, and churns, for
 * the sampling test (sampled_truth.h).
 *
 *   sampled [--now] [--stay]      (handshake: see testprog.h)
 */
#include <stdio.h>
#include <stdlib.h>

#include "sampled_truth.h"
#include "testprog.h"

#define NOINLINE __attribute__((noinline))

/* Sizes from 16 B to 1 MiB, small ones more often, as heaps see them. */
static const unsigned long sampled_sizes[] = {
	16, 48, 100, 256, 512, 1000, 4096, 16384, 65536, 262144, 1048576,
	24, 64, 200, 2048, 8192, 32768, 131072, 40, 700,
};
#define SIZE_COUNT (sizeof(sampled_sizes) / sizeof(sampled_sizes[0]))

/* Written so that no allocation is optimised away. */
void *volatile sampled_sink;

static void *must_malloc(unsigned long size)
{
	void *p = malloc(size);

	if (!p) {
		perror("malloc");
		exit(1);
	}
	sampled_sink = p;
	return p;
}

NOINLINE void leak_mixed(void)
{
	unsigned long left = SAMPLED_ROUND_BYTES;
	unsigned i = 0;

	while (left > 0) {
		unsigned long size = sampled_sizes[i++ % SIZE_COUNT];

		if (size > left)
			size = left;
		must_malloc(size);
		left -= size;
	}
}

NOINLINE void churn_sampled(void)
{
	for (unsigned i = 0; i < SAMPLED_CHURN_COUNT; i++)
		free(must_malloc(sampled_sizes[i % SIZE_COUNT]));
}

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);

	testprog_ready();
	testprog_wait_for_go(&opts);
	for (int round = 0; round < SAMPLED_ROUNDS; round++) {
		leak_mixed();
		churn_sampled();
	}
	testprog_done(&opts);
	return 0;
}
