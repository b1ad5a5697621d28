/*
 * A program whose outstanding memory is known to the byte: each scenario of
 * leaks_truth.h runs in its own function, so a correct trace puts exactly
 * that scenario's bytes on stacks through that function.
 *
 *   leaks [--now] [--stay]      (handshake: see testprog.h)
 *
 * Every kept pointer goes into a global array: stores to globals with
 * external linkage cannot be optimised away, so neither can the calls.
 * The functions are noinline and the build keeps frame pointers, so a
 * frame-pointer walk sees each of them.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "leaks_truth.h"
#include "testprog.h"

#define NOINLINE __attribute__((noinline))

void *leaked_malloc[LEAK_MALLOC_COUNT];
void *leaked_calloc[LEAK_CALLOC_COUNT];
void *leaked_realloc[LEAK_REALLOC_COUNT];
void *leaked_memalign[LEAK_MEMALIGN_COUNT];
void *leaked_aligned[LEAK_ALIGNED_COUNT];
void *leaked_mmap;
void *leaked_big_malloc;
void *leaked_hole;
void *leaked_mremap;
void *presession_blocks[PRESESSION_BLOCK_COUNT];
void *presession_map;
/* Written by the churn so that the malloc/free pairs have an observable
 * effect and stay real calls. */
void *volatile churn_last;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Each scenario calls mmap itself (no helper): the scenario's function must
 * be the direct caller of the libc wrapper in its stacks. */
#define MAP_ANONYMOUS_RW(size)                                    \
	mmap(NULL, (size), PROT_READ | PROT_WRITE,                \
	     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)

/* Before the go signal: allocations a -p trace never sees. */
NOINLINE void alloc_presession(void)
{
	for (int i = 0; i < PRESESSION_BLOCK_COUNT; i++)
		if (!(presession_blocks[i] = malloc(PRESESSION_BLOCK_SIZE)))
			die("malloc");
	presession_map = MAP_ANONYMOUS_RW(PRESESSION_MAP_SIZE);
	if (presession_map == MAP_FAILED)
		die("mmap");
}

NOINLINE void leak_malloc(void)
{
	for (int i = 0; i < LEAK_MALLOC_COUNT; i++)
		if (!(leaked_malloc[i] = malloc(LEAK_MALLOC_SIZE)))
			die("malloc");
}

NOINLINE void leak_calloc(void)
{
	for (int i = 0; i < LEAK_CALLOC_COUNT; i++)
		if (!(leaked_calloc[i] =
			      calloc(LEAK_CALLOC_NMEMB, LEAK_CALLOC_SIZE)))
			die("calloc");
}

NOINLINE void leak_realloc(void)
{
	for (int i = 0; i < LEAK_REALLOC_COUNT; i++) {
		void *p = malloc(LEAK_REALLOC_FIRST_SIZE);

		if (!p)
			die("malloc");
		if (!(leaked_realloc[i] = realloc(p, LEAK_REALLOC_SIZE)))
			die("realloc");
	}
}

NOINLINE void leak_posix_memalign(void)
{
	for (int i = 0; i < LEAK_MEMALIGN_COUNT; i++)
		if (posix_memalign(&leaked_memalign[i], LEAK_MEMALIGN_ALIGN,
				   LEAK_MEMALIGN_SIZE) != 0)
			die("posix_memalign");
}

NOINLINE void leak_aligned_alloc(void)
{
	for (int i = 0; i < LEAK_ALIGNED_COUNT; i++)
		if (!(leaked_aligned[i] = aligned_alloc(LEAK_ALIGNED_ALIGN,
							 LEAK_ALIGNED_SIZE)))
			die("aligned_alloc");
}

NOINLINE void churn(void)
{
	for (int i = 0; i < CHURN_COUNT; i++) {
		void *p = malloc(CHURN_SIZE);

		if (!p)
			die("malloc");
		churn_last = p;
		free(p);
	}
}

NOINLINE void leak_mmap(void)
{
	leaked_mmap = MAP_ANONYMOUS_RW(LEAK_MMAP_SIZE);
	if (leaked_mmap == MAP_FAILED)
		die("mmap");
}

NOINLINE void leak_big_malloc(void)
{
	if (!(leaked_big_malloc = malloc(LEAK_BIG_MALLOC_SIZE)))
		die("malloc");
}

NOINLINE void leak_mmap_hole(void)
{
	char *p = MAP_ANONYMOUS_RW(LEAK_HOLE_MAP_SIZE);

	if (p == MAP_FAILED)
		die("mmap");
	if (munmap(p + LEAK_HOLE_OFFSET, LEAK_HOLE_SIZE) != 0)
		die("munmap");
	leaked_hole = p;
}

NOINLINE void leak_mremap_grow(void)
{
	void *p = MAP_ANONYMOUS_RW(LEAK_MREMAP_OLD_SIZE);

	if (p == MAP_FAILED)
		die("mmap");
	leaked_mremap = mremap(p, LEAK_MREMAP_OLD_SIZE, LEAK_MREMAP_NEW_SIZE,
			       MREMAP_MAYMOVE);
	if (leaked_mremap == MAP_FAILED)
		die("mremap");
}

/* After the go signal: releases of memory a -p trace never saw allocated. */
NOINLINE void free_presession(void)
{
	for (int i = 0; i < PRESESSION_BLOCK_COUNT; i++)
		free(presession_blocks[i]);
	if (munmap(presession_map, PRESESSION_MAP_SIZE) != 0)
		die("munmap");
}

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);

	/* Before the ready line, so that a -p trace, started once the test has
	 * read it, cannot see any of it. */
	alloc_presession();
	testprog_ready();
	testprog_wait_for_go(&opts);

	leak_malloc();
	leak_calloc();
	leak_realloc();
	leak_posix_memalign();
	leak_aligned_alloc();
	churn();
	leak_mmap();
	leak_big_malloc();
	leak_mmap_hole();
	leak_mremap_grow();
	free_presession();

	testprog_done(&opts);
	return 0;
}
