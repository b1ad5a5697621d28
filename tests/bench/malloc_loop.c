/*
 * malloc_loop: the workload of the overhead benchmark (bench_overhead.cc).
 *
 * One thread (or --threads N, each its own loop at once) runs
 * `p = malloc(n); free(p)` with n in 16..4096, and times the loop itself, so
 * that the figure excludes process start-up, the tracer's attach and its
 * final report:
 *
 *   malloc_loop [--target-ms MS | --iterations N] [--threads N]
 *       warm up, run the timed loop, print
 *         ns_per_pair=<float> iterations=<n>
 *         checksum=<n>
 *       and exit. With threads, ns_per_pair is the mean over threads of each
 *       thread's own time per pair (what one pair costs the thread making
 *       it) and iterations the pairs of all threads.
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
#include <pthread.h>
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

static _Atomic uint64_t checksum;

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
		"usage: malloc_loop [--target-ms MS | --iterations N] [--threads N]\n"
		"       malloc_loop --wait\n");
	exit(2);
}

#define MAX_THREADS 64

/* Every thread starts its timed loop together, after its own warm-up and
 * calibration, so that the loops overlap. */
static pthread_barrier_t start_line;

struct timed_loop {
	uint64_t target_ms;
	uint64_t iterations; /* 0: calibrate; then the count run */
	uint64_t elapsed_ns;
};

static void *timed_loop(void *arg)
{
	struct timed_loop *loop = arg;

	run_pairs(1000); /* warm-up */
	if (loop->iterations == 0)
		loop->iterations = calibrate(loop->target_ms * 1000000u);
	pthread_barrier_wait(&start_line);
	uint64_t t0 = now_ns();
	run_pairs(loop->iterations);
	loop->elapsed_ns = now_ns() - t0;
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t target_ms = 1000, iterations = 0;
	int threads = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--wait"))
			return wait_for_signal();
		else if (!strcmp(argv[i], "--target-ms") && i + 1 < argc)
			target_ms = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
			iterations = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else
			usage();
	}
	if ((target_ms == 0 && iterations == 0) || threads < 1 || threads > MAX_THREADS)
		usage();

	fill_sizes();
	pthread_barrier_init(&start_line, NULL, (unsigned)threads);
	struct timed_loop loops[MAX_THREADS];
	pthread_t ids[MAX_THREADS];

	for (int t = 0; t < threads; t++) {
		loops[t] = (struct timed_loop){ .target_ms = target_ms,
						.iterations = iterations };
		if (t > 0 && pthread_create(&ids[t], NULL, timed_loop, &loops[t]) != 0) {
			fprintf(stderr, "malloc_loop: cannot create a thread\n");
			return 1;
		}
	}
	timed_loop(&loops[0]);
	double ns_sum = 0;
	uint64_t pairs = 0;

	for (int t = 0; t < threads; t++) {
		if (t > 0)
			pthread_join(ids[t], NULL);
		ns_sum += (double)loops[t].elapsed_ns / (double)loops[t].iterations;
		pairs += loops[t].iterations;
	}
	printf("ns_per_pair=%.3f iterations=%llu\n", ns_sum / threads,
	       (unsigned long long)pairs);
	printf("checksum=%llu\n", (unsigned long long)checksum);
	return 0;
}
