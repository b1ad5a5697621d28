/*
 * Loads a plugin with dlopen only after the go signal and runs its leaking
 * functions (dlopen_truth.h): the plugin, and the allocator it loads in
 * turn, are mapped after a -p trace attached.
 *
 *   dlopen_leaks [--now] [--stay]      (handshake: see testprog.h)
 *
 * Without --now it waits for a second go signal after the plugin loaded its
 * allocator and before it allocates from it: allocprof probes an object once
 * it sees it mapped, which takes it a moment; the test sends the signal when
 * allocprof says it has.
 *
 * LEAK_PLUGIN_PATH, the plugin's absolute path in the build, comes from the
 * build system.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "dlopen_truth.h"
#include "testprog.h"

static void *plugin_function(void *plugin, const char *name)
{
	void *fn = dlsym(plugin, name);

	if (!fn) {
		fprintf(stderr, "dlopen_leaks: %s\n", dlerror());
		exit(1);
	}
	return fn;
}

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);
	void *plugin;
	int (*leak)(void);
	int (*load_allocator)(void);
	int (*leak_own)(void);

	testprog_ready();
	testprog_wait_for_go(&opts);

	plugin = dlopen(LEAK_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
	if (!plugin) {
		fprintf(stderr, "dlopen_leaks: %s\n", dlerror());
		return 1;
	}
	*(void **)&leak = plugin_function(plugin, "plugin_leak");
	*(void **)&load_allocator =
		plugin_function(plugin, "plugin_load_allocator");
	*(void **)&leak_own = plugin_function(plugin, "plugin_leak_own_allocator");
	if (leak() != 0 || load_allocator() != 0)
		return 1;
	testprog_wait_for_go(&opts);
	if (leak_own() != 0)
		return 1;

	testprog_done(&opts);
	return 0;
}
