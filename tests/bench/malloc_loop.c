/*
 * malloc_loop: the workload of the overhead benchmark (bench_overhead.cc).
 *
 * One thread runs `p = malloc(n); free(p)` with n in 16..4096, and times the
 * loop itself, so that the figure excludes process start-up, the tracer's
 * attach and its final report:
 *
 *   malloc_loop [--target-ms MS | --iterations N]
 *       warm up, run the timed loop, print
 *         ns_per_pair=<float> iterations=<n>
 *         checksum=<n>
 *       and exit.
 *   malloc_loop --wait
 *       print "ready pid=<pid>" and block until SIGTERM or SIGINT, so a
 *       tracer can be attached with -p to a process that already runs.
 *
 * Under `allocprof -- malloc_loop` the process is traced from its first
 * instruction; the warm-up keeps first-call costs (lazy binding, arena set-up,
 * the first page faults of the heap) out of the timed loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* Sizes come from a table filled once by an LCG: deterministic from run to
 * run, spread over both tcache-sized and larger chunks, and cheap to read in
 * the loop (computing a size per pair would add to the untraced figure). */
#define N_SIZES 4096 /* power of two: the loop indexes with a mask */
#define MIN_SIZE 16
#define MAX_SIZE 4096

static size_t sizes[N_SIZES];

static void fill_sizes(void)
{
	uint32_t x = 12345;

	for (int i = 0; i < N_SIZES; i++) {
		x = x * 1664525u + 1013904223u; /* Numerical Recipes LCG */
		/* The high bits of an LCG are the random ones. */
		sizes[i] = MIN_SIZE + (x >> 8) % (MAX_SIZE - MIN_SIZE + 1);
	}
}

/* Makes the compiler treat the block as read and written by unknown code.
 * Without it GCC and clang may delete a malloc/free pair whose memory
 * nothing else observes, and the benchmark would time an empty loop. */
static inline void escape(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static uint64_t checksum;

/* noinline: one copy of the loop, the same code for warm-up and timing. */
static __attribute__((noinline)) void run_pairs(uint64_t n)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		unsigned char *p = malloc(sizes[i & (N_SIZES - 1)]);

		if (!p) {
			fprintf(stderr, "malloc_loop: out of memory\n");
			exit(1);
		}
		p[0] = (unsigned char)i;
		escape(p);
		sum += p[0];
		free(p);
	}
	checksum += sum;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* vDSO on x86-64: no syscall, no allocation, nothing the tracer sees. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Picks an iteration count for a timed loop of about target_ns. The cost of
 * a pair ranges from ~30 ns untraced to ~15 us under a uprobe that is
 * single-stepped, so no fixed count fits all modes; batches double until one
 * lasts a twentieth of the target (at least 10 ms) and set the rate. */
static uint64_t calibrate(uint64_t target_ns)
{
	uint64_t min_batch_ns = target_ns / 20;
	uint64_t n = 256;

	if (min_batch_ns < 10000000u)
		min_batch_ns = 10000000u;
	for (;;) {
		uint64_t t0 = now_ns();
		run_pairs(n);
		uint64_t dt = now_ns() - t0;

		if (dt >= min_batch_ns || n >= (1ull << 40)) {
			double per_pair = (double)dt / (double)n;
			double want = (double)target_ns / per_pair;

			return want < 1000 ? 1000 : (uint64_t)want;
		}
		n *= 2;
	}
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked before "ready" is printed, so a signal sent as soon as the
	 * line is read is queued for sigwaitinfo rather than killing us. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* If the benchmark driver dies, do not stay behind blocked forever. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		return 0;

	/* Initialise the heap so an attaching tracer sees a normal process. */
	run_pairs(16);
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	do
		sig = sigwaitinfo(&set, NULL);
	while (sig < 0 && errno == EINTR);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: malloc_loop [--target-ms MS | --iterations N]\n"
		"       malloc_loop --wait\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t target_ms = 1000, iterations = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--wait"))
			return wait_for_signal();
		else if (!strcmp(argv[i], "--target-ms") && i + 1 < argc)
			target_ms = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
			iterations = strtoull(argv[++i], NULL, 10);
		else
			usage();
	}
	if (target_ms == 0 && iterations == 0)
		usage();

	fill_sizes();
	run_pairs(1000); /* warm-up */
	if (iterations == 0)
		iterations = calibrate(target_ms * 1000000u);

	uint64_t t0 = now_ns();
	run_pairs(iterations);
	uint64_t dt = now_ns() - t0;

	printf("ns_per_pair=%.3f iterations=%llu\n",
	       (double)dt / (double)iterations, (unsigned long long)iterations);
	printf("checksum=%llu\n", (unsigned long long)checksum);
	return 0;
}
