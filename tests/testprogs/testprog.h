/*
 * The handshake between a test program and the end-to-end tests that trace
 * it. Included by the C test programs and by tests/e2e.
 *
 *   1. The program blocks the signals it waits for, then prints
 *      TESTPROG_READY_FORMAT on stdout and flushes it. The addresses are those
 *      of malloc and free as the dynamic linker resolved them in this process,
 *      so a test can read the first instruction byte from /proc/PID/mem and see
 *      whether a uprobe breakpoint (int3, 0xCC) is installed there.
 *   2. It waits in sigwaitinfo() for TESTPROG_GO_SIGNAL, which the test sends
 *      once allocprof has printed "allocprof: tracing PID ...". No program
 *      sleeps: what it does before the signal is not traced, what it does
 *      after is.
 *   3. It runs its scenarios and prints TESTPROG_DONE_LINE.
 *   4. With TESTPROG_STAY_ARG it then waits for SIGTERM or SIGUSR2 before
 *      exiting 0, so a test can end the trace while the target lives on.
 *
 * TESTPROG_NOW_ARG skips step 2, for "allocprof -- CMD", which holds the
 * program until the probes are attached.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_TESTPROG_H
#define ALLOCPROF_TESTS_TESTPROGS_TESTPROG_H

#define TESTPROG_READY_FORMAT "ready %d malloc=0x%lx free=0x%lx\n"
#define TESTPROG_DONE_LINE "done"
#define TESTPROG_GO_SIGNAL SIGUSR1
#define TESTPROG_NOW_ARG "--now"
#define TESTPROG_STAY_ARG "--stay"

/* The functions below are for the test programs (testprog.c), C and C++
 * alike; tests/e2e uses only the macros above. */
#ifdef __cplusplus
extern "C" {
#endif

/* Options shared by the programs that take them. */
struct testprog_options {
	int now;  /* TESTPROG_NOW_ARG given */
	int stay; /* TESTPROG_STAY_ARG given */
};

/* Parses argv; exits 2 on an unknown argument. */
struct testprog_options testprog_parse(int argc, char **argv);

/* Step 1: blocks TESTPROG_GO_SIGNAL, SIGTERM and SIGUSR2 in the calling
 * thread (threads created later inherit the mask, so no other thread can take
 * the signal) and prints the ready line. Call before creating threads. */
void testprog_ready(void);

/* Step 2 (unless opts->now). */
void testprog_wait_for_go(const struct testprog_options *opts);

/* Steps 3 and 4: prints the done line and, with opts->stay, waits for SIGTERM
 * or SIGUSR2. */
void testprog_done(const struct testprog_options *opts);

/* Waits for SIGTERM or SIGUSR2 (blocked by testprog_ready). */
void testprog_wait_for_term(void);

#ifdef __cplusplus
}
#endif

#endif /* ALLOCPROF_TESTS_TESTPROGS_TESTPROG_H */
