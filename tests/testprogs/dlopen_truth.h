/*
 * Ground truth of tests/testprogs/dlopen_leaks.c and its plugin,
 * leak_plugin.c: the plugin is dlopen'd only after the go signal, so a trace
 * attached before it must find the new object and name its functions.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_DLOPEN_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_DLOPEN_TRUTH_H

#include "truth.h"

/* plugin_leak (in the plugin): PLUGIN_LEAK_COUNT x malloc(PLUGIN_LEAK_SIZE)
 * through the C library's malloc, kept. */
#define PLUGIN_LEAK_COUNT 30
#define PLUGIN_LEAK_SIZE 700

/* plugin_load_allocator (in the plugin) dlopens mimalloc
 * (PLUGIN_ALLOCATOR_SONAME), which the program has not loaded before; then
 * plugin_leak_own_allocator keeps PLUGIN_OWN_COUNT x mi_malloc(PLUGIN_OWN_SIZE)
 * (called through a pointer from dlsym): an allocator that appears after
 * attach must be probed as soon as it is mapped. mimalloc
 * defines malloc as an alias of mi_malloc (one address), so the leaf may
 * carry either name; loaded with dlopen, its malloc does not replace the C
 * library's. */
#define PLUGIN_ALLOCATOR_SONAME "libmimalloc.so.2"
#define PLUGIN_OWN_COUNT 20
#define PLUGIN_OWN_SIZE 900

static const struct truth_expectation dlopen_expected[]
	__attribute__((unused)) = {
	{ "plugin_leak", PLUGIN_LEAK_COUNT * PLUGIN_LEAK_SIZE,
	  { "malloc", 0 } },
	{ "plugin_leak_own_allocator", PLUGIN_OWN_COUNT * PLUGIN_OWN_SIZE,
	  { "mi_malloc", "malloc", 0 } },
};

#endif /* ALLOCPROF_TESTS_TESTPROGS_DLOPEN_TRUTH_H */
