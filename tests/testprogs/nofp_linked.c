/* The shared library unwind_libs links (unwind_libs_truth.h). */
#include <stdio.h>
#include <stdlib.h>

#include "unwind_libs_truth.h"

#define NOINLINE __attribute__((noinline))

void *linked_blocks[LINKED_COUNT];

/* Returns the number of blocks kept; -1 with a message on failure. */
NOINLINE int linked_leak_inner(void)
{
	for (int i = 0; i < LINKED_COUNT; i++) {
		if (!(linked_blocks[i] = malloc(LINKED_SIZE))) {
			perror("malloc");
			return -1;
		}
	}
	return LINKED_COUNT;
}

NOINLINE int linked_leak(void)
{
	return linked_leak_inner() == LINKED_COUNT ? 0 : -1;
}
