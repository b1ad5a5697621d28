/*
 * Writes, reads, drops and unmaps private pages in known amounts, for
 * --mode pages (pages_truth.h).
 *
 *   pages [--now] [--stay]      (handshake: see testprog.h)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pages_truth.h"
#include "testprog.h"

#define NOINLINE __attribute__((noinline))

static volatile unsigned char sink;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static unsigned char *map_private(size_t pages)
{
	void *p = mmap(NULL, pages * PAGE_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	if (madvise(p, pages * PAGE_BYTES, MADV_NOHUGEPAGE) != 0)
		die("madvise(MADV_NOHUGEPAGE)");
	return p;
}

NOINLINE unsigned char *touch_pages(void)
{
	unsigned char *p = map_private(TOUCHED_PAGES);

	for (size_t i = 0; i < TOUCHED_PAGES; i++)
		p[i * PAGE_BYTES] = 1;
	return p;
}

NOINLINE void release_pages(unsigned char *p)
{
	if (madvise(p, DROPPED_PAGES * PAGE_BYTES, MADV_DONTNEED) != 0)
		die("madvise(MADV_DONTNEED)");
	if (munmap(p + (TOUCHED_PAGES - UNMAPPED_PAGES) * PAGE_BYTES,
		   UNMAPPED_PAGES * PAGE_BYTES) != 0)
		die("munmap");
}

NOINLINE void memset_pages(void)
{
	unsigned char *p = map_private(MEMSET_PAGES);

	memset(p, 0x5a, MEMSET_PAGES * PAGE_BYTES);
}

NOINLINE void read_pages(void)
{
	unsigned char *p = map_private(READ_PAGES);

	for (size_t i = 0; i < READ_PAGES; i++)
		sink += p[i * PAGE_BYTES];
}

NOINLINE void shared_pages(void)
{
	unsigned char *p = mmap(NULL, SHARED_PAGES * PAGE_BYTES,
				PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap(MAP_SHARED)");
	for (size_t i = 0; i < SHARED_PAGES; i++)
		p[i * PAGE_BYTES] = 1;
}

NOINLINE void churn_pages(void)
{
	for (int round = 0; round < CHURN_ROUNDS; round++) {
		unsigned char *p = map_private(CHURN_PAGES);

		for (size_t i = 0; i < CHURN_PAGES; i++)
			p[i * PAGE_BYTES] = (unsigned char)round;
		if (munmap(p, CHURN_PAGES * PAGE_BYTES) != 0)
			die("munmap");
	}
}

/* The Rss line of the smaps entry that starts at `start`, in bytes. */
static long long mapping_rss(uintptr_t start)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in_mapping = 0;
	long long kib = -1;

	if (!f)
		die("/proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		uintptr_t from, to;

		if (sscanf(line, "%lx-%lx ", &from, &to) == 2)
			in_mapping = from == start;
		else if (in_mapping && sscanf(line, "Rss: %lld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib * 1024;
}

NOINLINE unsigned char *touch_huge(void)
{
	unsigned char *p = mmap(NULL, 2 * HUGE_BLOCK, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	/* May fail where the kernel has no huge pages: the smaps figure
	 * below is the truth either way. */
	madvise(p, 2 * HUGE_BLOCK, MADV_HUGEPAGE);
	uintptr_t aligned = ((uintptr_t)p + HUGE_BLOCK - 1) & ~(uintptr_t)(HUGE_BLOCK - 1);

	((unsigned char *)aligned)[12345] = 1;
	return p;
}

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);

	testprog_ready();
	testprog_wait_for_go(&opts);

	release_pages(touch_pages());
	memset_pages();
	read_pages();
	shared_pages();
	churn_pages();
	/* Read here, not in touch_huge: stdio's own buffers are pages too. */
	unsigned char *huge = touch_huge();

	printf(HUGE_RSS_PREFIX "%lld\n", mapping_rss((uintptr_t)huge));

	testprog_done(&opts);
	return 0;
}
