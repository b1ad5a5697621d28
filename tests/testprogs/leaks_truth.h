/*
 * Ground truth of tests/testprogs/leaks.c: what each scenario does, and the
 * outstanding bytes a correct trace started before the go signal must give it.
 * leaks.c takes its counts and sizes from here; tests/e2e checks allocprof's
 * output against leaks_expected[].
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_LEAKS_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_LEAKS_TRUTH_H

#define LEAKS_MiB (1024ull * 1024ull)

/* leak_malloc: LEAK_MALLOC_COUNT x malloc(LEAK_MALLOC_SIZE), all kept. */
#define LEAK_MALLOC_COUNT 100
#define LEAK_MALLOC_SIZE 1000

/* leak_calloc: LEAK_CALLOC_COUNT x calloc(LEAK_CALLOC_NMEMB, LEAK_CALLOC_SIZE). */
#define LEAK_CALLOC_COUNT 10
#define LEAK_CALLOC_NMEMB 50
#define LEAK_CALLOC_SIZE 200

/* leak_realloc: LEAK_REALLOC_COUNT x p = malloc(LEAK_REALLOC_FIRST_SIZE);
 * realloc(p, LEAK_REALLOC_SIZE), kept. The malloc'd blocks are released by
 * the realloc, so only the realloc call's stack holds bytes. */
#define LEAK_REALLOC_COUNT 10
#define LEAK_REALLOC_FIRST_SIZE 100
#define LEAK_REALLOC_SIZE 3000

/* leak_posix_memalign: LEAK_MEMALIGN_COUNT x posix_memalign(&p, 64, 4096). */
#define LEAK_MEMALIGN_COUNT 10
#define LEAK_MEMALIGN_ALIGN 64
#define LEAK_MEMALIGN_SIZE 4096

/* leak_aligned_alloc: LEAK_ALIGNED_COUNT x aligned_alloc(256, 8192). */
#define LEAK_ALIGNED_COUNT 10
#define LEAK_ALIGNED_ALIGN 256
#define LEAK_ALIGNED_SIZE 8192

/* churn: CHURN_COUNT x free(malloc(CHURN_SIZE)); nothing outstanding, so the
 * function must not appear in the folded output. */
#define CHURN_COUNT 10000
#define CHURN_SIZE 64

/* leak_mmap: one anonymous read-write mapping, never unmapped. */
#define LEAK_MMAP_SIZE (1 * LEAKS_MiB)

/* leak_big_malloc: one malloc far above glibc's mmap threshold (128 KiB by
 * default; nothing mmap-served is freed before it, which would raise the
 * threshold). glibc maps it with mmap from inside malloc: the block counts
 * once, as heap bytes; the mapping is allocator backing memory, at least as
 * large as the block. */
#define LEAK_BIG_MALLOC_SIZE (16 * LEAKS_MiB)

/* leak_mmap_hole: mmap LEAK_HOLE_MAP_SIZE, then munmap LEAK_HOLE_SIZE
 * starting LEAK_HOLE_OFFSET bytes in: two pieces stay mapped. */
#define LEAK_HOLE_MAP_SIZE (4 * LEAKS_MiB)
#define LEAK_HOLE_OFFSET (1 * LEAKS_MiB)
#define LEAK_HOLE_SIZE (1 * LEAKS_MiB)

/* leak_mremap_grow: mmap LEAK_MREMAP_OLD_SIZE, then mremap it to
 * LEAK_MREMAP_NEW_SIZE with MREMAP_MAYMOVE, in the same function: the old
 * part stays with the mmap call's stack, the growth goes to the mremap
 * call's stack, both inside leak_mremap_grow. */
#define LEAK_MREMAP_OLD_SIZE (1 * LEAKS_MiB)
#define LEAK_MREMAP_NEW_SIZE (2 * LEAKS_MiB)

/* free_presession: blocks and a mapping made before the go signal (so not
 * known to a trace attached with -p) are released after it. They must count
 * as unknown frees and unmaps, never as negative bytes. */
#define PRESESSION_BLOCK_COUNT 10
#define PRESESSION_BLOCK_SIZE 500
#define PRESESSION_MAP_SIZE (64 * 1024)

/* Expected outstanding bytes of one leaking function: the sum over every
 * folded stack that has the function as a frame. */
struct leaks_expectation {
	const char *function;
	unsigned long long bytes;
	/* Leaf frames the function may call directly in its leaking stacks,
	 * NULL-terminated; an empty list means "any" (the mmap family, whose
	 * leaf is the libc syscall wrapper, named mmap, mmap64 or __mmap). */
	const char *leaves[4];
};

/* Frame names the folded output may use for the leaf of a malloc-family
 * call. glibc 2.36 makes aligned_alloc an alias of memalign
 * (__libc_memalign, one address), so a tracer cannot tell them apart. */
#define LEAKS_ALIGNED_ALLOC_LEAVES \
	{ "aligned_alloc", "memalign", "__libc_memalign", 0 }

static const struct leaks_expectation leaks_expected[]
	__attribute__((unused)) = {
	{ "leak_malloc", LEAK_MALLOC_COUNT * LEAK_MALLOC_SIZE, { "malloc", 0 } },
	{ "leak_calloc",
	  LEAK_CALLOC_COUNT * LEAK_CALLOC_NMEMB * LEAK_CALLOC_SIZE,
	  { "calloc", 0 } },
	{ "leak_realloc", LEAK_REALLOC_COUNT * LEAK_REALLOC_SIZE,
	  { "realloc", 0 } },
	{ "leak_posix_memalign", LEAK_MEMALIGN_COUNT * LEAK_MEMALIGN_SIZE,
	  { "posix_memalign", 0 } },
	{ "leak_aligned_alloc", LEAK_ALIGNED_COUNT * LEAK_ALIGNED_SIZE,
	  LEAKS_ALIGNED_ALLOC_LEAVES },
	{ "leak_mmap", LEAK_MMAP_SIZE, { 0 } },
	{ "leak_big_malloc", LEAK_BIG_MALLOC_SIZE, { "malloc", 0 } },
	{ "leak_mmap_hole", LEAK_HOLE_MAP_SIZE - LEAK_HOLE_SIZE, { 0 } },
	{ "leak_mremap_grow", LEAK_MREMAP_NEW_SIZE, { 0 } },
};

/* Functions that must have no outstanding bytes, so no folded line. */
static const char *const leaks_absent[] __attribute__((unused)) = {
	"churn",
	"free_presession",
};

/* Heap bytes the traced part of leaks allocates at least (all of them with
 * malloc-family calls), and how many of them it frees at least (the churn). */
#define LEAKS_MIN_ALLOCATED_BYTES                                         \
	(LEAK_MALLOC_COUNT * LEAK_MALLOC_SIZE +                           \
	 LEAK_CALLOC_COUNT * LEAK_CALLOC_NMEMB * LEAK_CALLOC_SIZE +       \
	 LEAK_REALLOC_COUNT * LEAK_REALLOC_SIZE +                         \
	 LEAK_MEMALIGN_COUNT * LEAK_MEMALIGN_SIZE +                       \
	 LEAK_ALIGNED_COUNT * LEAK_ALIGNED_SIZE + CHURN_COUNT * CHURN_SIZE + \
	 LEAK_BIG_MALLOC_SIZE)
#define LEAKS_MIN_FREED_OBJECTS CHURN_COUNT
#define LEAKS_MIN_FREED_BYTES (CHURN_COUNT * CHURN_SIZE)

#endif /* ALLOCPROF_TESTS_TESTPROGS_LEAKS_TRUTH_H */
