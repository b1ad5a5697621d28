/*
 * A wrapper: keeps EXEC_LEAKS_COUNT blocks (exec_leaks_truth.h), then
 * execs the program its arguments name, in the same process.
 *
 *   exec_leaks PROGRAM [ARGS...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testprogs/exec_leaks_truth.h"

static void *kept[EXEC_LEAKS_COUNT];

__attribute__((noinline)) void leak_before_exec(void)
{
	for (int i = 0; i < EXEC_LEAKS_COUNT; i++) {
		kept[i] = malloc(EXEC_LEAKS_SIZE);
		memset(kept[i], 0x5a, EXEC_LEAKS_SIZE);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: exec_leaks PROGRAM [ARGS...]\n");
		return 2;
	}
	leak_before_exec();
	execv(argv[1], argv + 1);
	perror(argv[1]);
	return 1;
}
