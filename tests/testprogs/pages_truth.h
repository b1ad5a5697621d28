/*
 * Ground truth of tests/testprogs/pages.c, for --mode pages: which code made
 * which private pages resident by writing them, and what released them.
 * Every mapping but the huge one is given MADV_NOHUGEPAGE, so the counts
 * are small pages whatever the host's transparent huge page policy.
 *
 *   touch_pages    maps TOUCHED_PAGES pages and writes one byte in each;
 *                  release_pages then drops the first DROPPED_PAGES with
 *                  madvise(MADV_DONTNEED) and unmaps the last UNMAPPED_PAGES:
 *                  KEPT_PAGES pages stay, all of touch_pages.
 *   memset_pages   maps MEMSET_PAGES pages and fills them with memset (the C
 *                  library's, without frame pointers): memset_pages is the
 *                  frame right above memset; all stay.
 *   read_pages     maps READ_PAGES pages and only reads them: the zero page,
 *                  nothing resident.
 *   shared_pages   writes SHARED_PAGES pages of a MAP_SHARED mapping: shared
 *                  memory, not the process's own; nothing counted.
 *   churn_pages    CHURN_ROUNDS x (map CHURN_PAGES pages, write them, unmap):
 *                  nothing stays.
 *   touch_huge     maps 2 * HUGE_BLOCK bytes, asks for huge pages
 *                  (MADV_HUGEPAGE) and writes one byte in the aligned block
 *                  inside: the kernel fills a huge page or, if it has none
 *                  or the policy forbids it, one small page. main then
 *                  prints HUGE_RSS_PREFIX and the mapping's Rss from
 *                  /proc/self/smaps, the truth either way.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_PAGES_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_PAGES_TRUTH_H

#define PAGE_BYTES 4096

#define TOUCHED_PAGES 1000
#define DROPPED_PAGES 300
#define UNMAPPED_PAGES 200
#define KEPT_PAGES (TOUCHED_PAGES - DROPPED_PAGES - UNMAPPED_PAGES)

#define MEMSET_PAGES 64
#define READ_PAGES 100
#define SHARED_PAGES 50

#define CHURN_ROUNDS 50
#define CHURN_PAGES 10

#define HUGE_BLOCK (2 * 1024 * 1024)
#define HUGE_RSS_PREFIX "huge_rss="

#endif /* ALLOCPROF_TESTS_TESTPROGS_PAGES_TRUTH_H */
