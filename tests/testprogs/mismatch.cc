/*
 * Releases blocks through another allocator family than the one that
 * allocated them, a known number of times (mismatch_truth.h), next to
 * matched pairs that must not count.
 *
 *   mismatch [--now] [--stay]      (handshake: see testprog.h)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "mismatch_truth.h"
#include "testprog.h"

#define NOINLINE __attribute__((noinline))

namespace {

struct Obj {
	char data[MISMATCH_OBJ_SIZE];
};
static_assert(sizeof(Obj) == MISMATCH_OBJ_SIZE, "Obj size is the truth's");

void die(const char *what)
{
	fprintf(stderr, "mismatch: %s failed\n", what);
	exit(1);
}

} // namespace

extern "C" {

/* Written after each allocation so that every pair stays a real call. */
void *volatile last_block;

NOINLINE void malloc_then_delete(void)
{
	for (int i = 0; i < MISMATCH_MALLOC_DELETE_COUNT; i++) {
		void *p = malloc(sizeof(Obj));

		if (!p)
			die("malloc");
		last_block = p;
		delete static_cast<Obj *>(p);
	}
}

NOINLINE void new_then_free(void)
{
	for (int i = 0; i < MISMATCH_NEW_FREE_COUNT; i++) {
		Obj *p = new Obj;

		last_block = p;
		free(p);
	}
}

NOINLINE void matched_pairs(void)
{
	for (int i = 0; i < MISMATCH_MATCHED_COUNT; i++) {
		void *m = malloc(sizeof(Obj));
		Obj *o = new Obj;
		Obj *a = new Obj[2];

		if (!m)
			die("malloc");
		last_block = m;
		last_block = o;
		last_block = a;
		free(m);
		delete o;
		delete[] a;
	}
}

} // extern "C"

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);

	testprog_ready();
	testprog_wait_for_go(&opts);

	malloc_then_delete();
	new_then_free();
	matched_pairs();

	testprog_done(&opts);
	return 0;
}
