/*
 * A process that shares libc with the traced one but must not be touched by
 * a trace of it: no breakpoint may appear at its malloc.
 *
 *   bystander      prints the ready line (testprog.h), then waits for
 *                  SIGTERM or SIGUSR2 and exits 0.
 */
#include "testprog.h"

int main(void)
{
	testprog_ready();
	testprog_wait_for_term();
	return 0;
}
