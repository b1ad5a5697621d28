/* The plugin unwind_libs dlopens after the go signal (unwind_libs_truth.h). */
#include <stdio.h>
#include <stdlib.h>

#include "unwind_libs_truth.h"

#define NOINLINE __attribute__((noinline))

void *plugin_nofp_blocks[PLUGIN_NOFP_COUNT];

/* Returns the number of blocks kept; -1 with a message on failure. */
NOINLINE int plugin_nofp_inner(void)
{
	for (int i = 0; i < PLUGIN_NOFP_COUNT; i++) {
		if (!(plugin_nofp_blocks[i] = malloc(PLUGIN_NOFP_SIZE))) {
			perror("malloc");
			return -1;
		}
	}
	return PLUGIN_NOFP_COUNT;
}

NOINLINE int plugin_nofp_leak(void)
{
	return plugin_nofp_inner() == PLUGIN_NOFP_COUNT ? 0 : -1;
}
