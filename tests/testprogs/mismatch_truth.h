/*
 * Ground truth of tests/testprogs/mismatch.cc: blocks released through
 * another allocator family than the one that allocated them. With glibc and
 * libstdc++ both pairs below are harmless at run time (operator delete calls
 * free; operator new calls malloc), which is why such bugs go unnoticed
 * until the allocator changes.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_MISMATCH_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_MISMATCH_TRUTH_H

/* sizeof of the object type of every block below. */
#define MISMATCH_OBJ_SIZE 128

/* malloc_then_delete: MISMATCH_MALLOC_DELETE_COUNT x
 * delete (Obj *)malloc(sizeof(Obj)). */
#define MISMATCH_MALLOC_DELETE_COUNT 5
/* new_then_free: MISMATCH_NEW_FREE_COUNT x free(new Obj). */
#define MISMATCH_NEW_FREE_COUNT 3
/* matched_pairs: MISMATCH_MATCHED_COUNT x each of free(malloc()),
 * delete new Obj, delete[] new Obj[2]: none of them is a mismatch. */
#define MISMATCH_MATCHED_COUNT 100

/* What the report must count: every block of the first two scenarios, and
 * nothing else. */
#define MISMATCH_EXPECTED_BLOCKS \
	(MISMATCH_MALLOC_DELETE_COUNT + MISMATCH_NEW_FREE_COUNT)
#define MISMATCH_EXPECTED_BYTES (MISMATCH_EXPECTED_BLOCKS * MISMATCH_OBJ_SIZE)

/* Every block is released, by one family or the other: none of these
 * functions holds outstanding bytes. */
static const char *const mismatch_absent[] __attribute__((unused)) = {
	"malloc_then_delete",
	"new_then_free",
	"matched_pairs",
};

#endif /* ALLOCPROF_TESTS_TESTPROGS_MISMATCH_TRUTH_H */
