/*
 * The shape of a ground-truth expectation, shared by the *_truth.h headers
 * of the test programs added for allocator discovery (leaks_truth.h keeps
 * its own struct): a leaking function, the exact outstanding bytes a correct
 * trace puts on the stacks through it, and the leaf frames it may call
 * directly in those stacks.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_TRUTH_H

struct truth_expectation {
	const char *function;
	unsigned long long bytes;
	/* NULL-terminated; several names where one function has several
	 * symbols at its address (aliases), which a tracer cannot tell
	 * apart. */
	const char *leaves[6];
};

#endif /* ALLOCPROF_TESTS_TESTPROGS_TRUTH_H */
