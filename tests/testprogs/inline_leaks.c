/*
 * A leak through an inlined helper, for source lines and inlined frames
 * (inline_leaks_truth.h). Built with -g -O2 and frame pointers
 * (CMakeLists.txt), unlike the other test programs.
 *
 *   inline_leaks [--now] [--stay]      (handshake: see testprog.h)
 */
#include <stdio.h>
#include <stdlib.h>

#include "inline_leaks_truth.h"
#include "testprog.h"

/* A line this program checks against its truth: compiling fails when an
 * edit moves the call off the line the truth names. */
#define AT_LINE(line) \
	_Static_assert(__LINE__ == (line), "update inline_leaks_truth.h")

void *inline_leaked[INLINE_LEAK_COUNT];

static void die(const char *what)
{
	fprintf(stderr, "inline_leaks: %s failed\n", what);
	exit(1);
}

/* Touching the block after malloc returns keeps the call a call, not a
 * tail jump that would leave the caller out of the stack. */
static inline __attribute__((always_inline)) void *
inline_leak_block(size_t size)
{
	void *block;

	/* The next line must be INLINE_LEAK_MALLOC_LINE. */
	block = malloc(size); AT_LINE(INLINE_LEAK_MALLOC_LINE);
	if (!block)
		die("malloc");
	*(volatile char *)block = 1;
	return block;
}

__attribute__((noinline, noclone)) void leak_through_inline(void)
{
	for (int i = 0; i < INLINE_LEAK_COUNT; i++) {
		/* The next line must be INLINE_LEAK_CALL_LINE. */
		inline_leaked[i] = inline_leak_block(INLINE_LEAK_SIZE); AT_LINE(INLINE_LEAK_CALL_LINE);
	}
}

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);

	testprog_ready();
	testprog_wait_for_go(&opts);
	leak_through_inline();
	testprog_done(&opts);
	return 0;
}
