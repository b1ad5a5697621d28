/*
 * The plugin dlopen_leaks loads after the go signal (see dlopen_truth.h).
 * Its functions call the allocators themselves, so in a correct trace they
 * are the direct callers of the allocator frames.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "dlopen_truth.h"

#define NOINLINE __attribute__((noinline))

void *plugin_blocks[PLUGIN_LEAK_COUNT];
void *plugin_own_blocks[PLUGIN_OWN_COUNT];

/* Returns 0 on success, -1 with a message on stderr. */
NOINLINE int plugin_leak(void)
{
	for (int i = 0; i < PLUGIN_LEAK_COUNT; i++) {
		if (!(plugin_blocks[i] = malloc(PLUGIN_LEAK_SIZE))) {
			perror("malloc");
			return -1;
		}
	}
	return 0;
}

static void *(*own_malloc)(size_t);

/* Loads the plugin's own allocator. Apart from plugin_leak_own_allocator:
 * the loader's own allocations for it (link map, scope lists) are
 * outstanding too, and must not be on that function's stacks. Returns 0 on
 * success, -1 with a message on stderr. */
NOINLINE int plugin_load_allocator(void)
{
	void *lib = dlopen(PLUGIN_ALLOCATOR_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		fprintf(stderr, "leak_plugin: %s\n", dlerror());
		return -1;
	}
	*(void **)&own_malloc = dlsym(lib, "mi_malloc");
	if (!own_malloc) {
		fprintf(stderr, "leak_plugin: %s\n", dlerror());
		return -1;
	}
	return 0;
}

/* After plugin_load_allocator. Returns 0 on success, -1 with a message on
 * stderr. */
NOINLINE int plugin_leak_own_allocator(void)
{
	for (int i = 0; i < PLUGIN_OWN_COUNT; i++) {
		if (!(plugin_own_blocks[i] = own_malloc(PLUGIN_OWN_SIZE))) {
			fprintf(stderr, "leak_plugin: mi_malloc failed\n");
			return -1;
		}
	}
	return 0;
}
