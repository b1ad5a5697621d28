/*
 * An application allocator allocprof does not know: a pool whose blocks
 * come out of one malloc'd arena. allocprof counts its blocks only when told
 * about its functions with --alloc-fn/--free-fn (custom_pool_truth.h).
 *
 *   custom_pool [--now] [--stay]      (handshake: see testprog.h)
 *
 * The pool functions are global (named in the executable's .symtab) and
 * noinline, so they are real functions a uprobe can be put on.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "custom_pool_truth.h"
#include "testprog.h"

#define NOINLINE __attribute__((noinline))

struct pool {
	char *arena;
	size_t used;
	size_t released; /* blocks given back, for the curious */
};

struct pool the_pool;

static void die(const char *what)
{
	fprintf(stderr, "custom_pool: %s failed\n", what);
	exit(1);
}

/* Takes `size` bytes from the arena, mapping the arena on first use. */
static NOINLINE void *carve(struct pool *p, size_t size)
{
	void *block;

	if (!p->arena && !(p->arena = malloc(POOL_ARENA_SIZE)))
		die("malloc of the arena");
	size = (size + POOL_GRAIN - 1) / POOL_GRAIN * POOL_GRAIN;
	if (p->used + size > POOL_ARENA_SIZE)
		die("pool (arena full)");
	block = p->arena + p->used;
	p->used += size;
	return block;
}

NOINLINE void *pool_alloc(struct pool *p, size_t size)
{
	return carve(p, size);
}

NOINLINE void *pool_alloc_array(struct pool *p, size_t count,
					 size_t size)
{
	return carve(p, count * size);
}

NOINLINE int pool_alloc_out(struct pool *p, void **out, size_t size)
{
	*out = carve(p, size);
	return 0;
}

/* A bump pool reuses nothing: releasing only counts. */
NOINLINE void pool_free(struct pool *p, void *block)
{
	if (block)
		p->released++;
}

void *leaked_pool[POOL_LEAK_COUNT];
void *leaked_pool_array[POOL_ARRAY_COUNT];
void *leaked_pool_out[POOL_OUT_COUNT];
void *kept_half[POOL_HALF_COUNT];
void *volatile churn_last;

NOINLINE void leak_pool(void)
{
	for (int i = 0; i < POOL_LEAK_COUNT; i++)
		leaked_pool[i] = pool_alloc(&the_pool, POOL_LEAK_SIZE);
}

NOINLINE void leak_pool_array(void)
{
	for (int i = 0; i < POOL_ARRAY_COUNT; i++)
		leaked_pool_array[i] = pool_alloc_array(
			&the_pool, POOL_ARRAY_NMEMB, POOL_ARRAY_SIZE);
}

NOINLINE void leak_pool_out(void)
{
	for (int i = 0; i < POOL_OUT_COUNT; i++)
		if (pool_alloc_out(&the_pool, &leaked_pool_out[i],
				   POOL_OUT_SIZE) != 0)
			die("pool_alloc_out");
}

NOINLINE void keep_half_pool(void)
{
	for (int i = 0; i < 2 * POOL_HALF_COUNT; i++) {
		void *b = pool_alloc(&the_pool, POOL_HALF_SIZE);

		if (i % 2)
			pool_free(&the_pool, b);
		else
			kept_half[i / 2] = b;
	}
}

NOINLINE void churn_pool(void)
{
	for (int i = 0; i < POOL_CHURN_COUNT; i++) {
		void *b = pool_alloc(&the_pool, POOL_CHURN_SIZE);

		churn_last = b;
		pool_free(&the_pool, b);
	}
}

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);

	testprog_ready();
	testprog_wait_for_go(&opts);

	leak_pool();
	leak_pool_array();
	leak_pool_out();
	keep_half_pool();
	churn_pool();

	testprog_done(&opts);
	return 0;
}
