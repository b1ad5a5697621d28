/*
 * Ground truth of tests/testprogs/exec_leaks.c, a wrapper that keeps
 * memory and then execs another program, as a start script's `exec` does:
 * what it kept goes with its address space, so a trace of it and of the
 * program it runs must show none of it outstanding.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_EXEC_LEAKS_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_EXEC_LEAKS_TRUTH_H

/* EXEC_LEAKS_COUNT x malloc(EXEC_LEAKS_SIZE) in EXEC_LEAKS_FUNCTION, kept
 * until the exec. */
#define EXEC_LEAKS_FUNCTION "leak_before_exec"
#define EXEC_LEAKS_COUNT 5
#define EXEC_LEAKS_SIZE 3000

#endif /* ALLOCPROF_TESTS_TESTPROGS_EXEC_LEAKS_TRUTH_H */
