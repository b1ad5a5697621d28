/*
 * Ground truth of tests/testprogs/unwind_libs.c and its two libraries, all
 * built without frame pointers: libnofp_linked.so, linked to the program,
 * and nofp_plugin.so, dlopen'd after the go signal. In each, an exported
 * function calls an inner one that leaks: a correct trace has
 * main -> outer -> inner -> malloc on those stacks, and nothing truncated.
 * In the program itself, fp_trampoline is hand-written assembly with a
 * frame pointer and no CFI at all, between two functions with CFI and no
 * frame pointer: one stack needs both.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_UNWIND_LIBS_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_UNWIND_LIBS_TRUTH_H

#include "truth.h"

/* linked_leak -> linked_leak_inner: LINKED_COUNT x malloc(LINKED_SIZE). */
#define LINKED_COUNT 30
#define LINKED_SIZE 640
/* plugin_nofp_leak -> plugin_nofp_inner: PLUGIN_NOFP_COUNT x
 * malloc(PLUGIN_NOFP_SIZE). */
#define PLUGIN_NOFP_COUNT 20
#define PLUGIN_NOFP_SIZE 1500

/* main -> fp_trampoline -> mixed_inner: MIXED_COUNT x malloc(MIXED_SIZE). */
#define MIXED_COUNT 12
#define MIXED_SIZE 2200

static const struct truth_expectation unwind_libs_expected[]
	__attribute__((unused)) = {
	{ "linked_leak_inner", LINKED_COUNT * LINKED_SIZE, { "malloc", 0 } },
	{ "plugin_nofp_inner", PLUGIN_NOFP_COUNT * PLUGIN_NOFP_SIZE,
	  { "malloc", 0 } },
	{ "mixed_inner", MIXED_COUNT * MIXED_SIZE, { "malloc", 0 } },
};

/* Each inner function's caller, and that one's caller. */
static const char *const unwind_libs_chains[][3] __attribute__((unused)) = {
	{ "linked_leak_inner", "linked_leak", "main" },
	{ "plugin_nofp_inner", "plugin_nofp_leak", "main" },
	{ "mixed_inner", "fp_trampoline", "main" },
};

#endif /* ALLOCPROF_TESTS_TESTPROGS_UNWIND_LIBS_TRUTH_H */
