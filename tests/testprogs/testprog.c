/* The handshake of testprog.h. */
#define _GNU_SOURCE
#include "testprog.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct testprog_options testprog_parse(int argc, char **argv)
{
	struct testprog_options opts = {0, 0};

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], TESTPROG_NOW_ARG) == 0) {
			opts.now = 1;
		} else if (strcmp(argv[i], TESTPROG_STAY_ARG) == 0) {
			opts.stay = 1;
		} else {
			fprintf(stderr, "%s: unknown argument %s (known: %s %s)\n",
				argv[0], argv[i], TESTPROG_NOW_ARG,
				TESTPROG_STAY_ARG);
			exit(2);
		}
	}
	return opts;
}

static void wait_for(int sig1, int sig2)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig1);
	sigaddset(&set, sig2);
	for (;;) {
		int got = sigwaitinfo(&set, NULL);

		if (got == sig1 || got == sig2)
			return;
		if (got < 0 && errno != EINTR) {
			perror("sigwaitinfo");
			exit(1);
		}
	}
}

void testprog_ready(void)
{
	sigset_t set;

	/* Blocked before the ready line: a signal sent as soon as the test
	 * reads it stays pending instead of killing or being missed. */
	sigemptyset(&set);
	sigaddset(&set, TESTPROG_GO_SIGNAL);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
		perror("sigprocmask");
		exit(1);
	}
	/* &malloc in a position-independent executable is loaded from the GOT,
	 * so it is libc's malloc, where allocprof puts its uprobe, not a PLT
	 * stub of this program. */
	printf(TESTPROG_READY_FORMAT, (int)getpid(),
	       (unsigned long)(void *)&malloc, (unsigned long)(void *)&free);
	fflush(stdout);
}

void testprog_wait_for_go(const struct testprog_options *opts)
{
	if (!opts->now)
		wait_for(TESTPROG_GO_SIGNAL, TESTPROG_GO_SIGNAL);
}

void testprog_wait_for_term(void)
{
	wait_for(SIGTERM, SIGUSR2);
}

void testprog_done(const struct testprog_options *opts)
{
	printf("%s\n", TESTPROG_DONE_LINE);
	fflush(stdout);
	if (opts->stay)
		testprog_wait_for_term();
}
