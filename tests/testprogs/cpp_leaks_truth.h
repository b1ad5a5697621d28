/*
 * Ground truth of tests/testprogs/cpp_leaks.cc: C++ operator new and
 * delete in each of their forms. libstdc++'s operator new calls malloc (its
 * aligned form calls aligned_alloc, new[] calls new, the nothrow form calls
 * the throwing one): a correct trace counts each object once, for the
 * outermost operator, so each leaking function holds exactly the bytes
 * below, with the operator as its direct callee.
 *
 * Objects are trivially destructible, so new[] asks for exactly
 * count * sizeof (no array cookie), and `delete p` calls the sized
 * operator delete (built with -fsized-deallocation).
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_CPP_LEAKS_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_CPP_LEAKS_TRUTH_H

#include "truth.h"

/* sizeof of the plain object type. */
#define CPP_OBJ_SIZE 96
/* sizeof of the alignas(CPP_ALIGN) object type (a multiple of it). */
#define CPP_ALIGN 64
#define CPP_ALIGNED_OBJ_SIZE 320

/* leak_new: CPP_NEW_COUNT x new Obj, kept. */
#define CPP_NEW_COUNT 100
/* leak_new_array: CPP_NEW_ARRAY_COUNT x new char[CPP_NEW_ARRAY_SIZE]. */
#define CPP_NEW_ARRAY_COUNT 20
#define CPP_NEW_ARRAY_SIZE 1500
/* leak_aligned_new: CPP_ALIGNED_NEW_COUNT x new AlignedObj. */
#define CPP_ALIGNED_NEW_COUNT 10
/* leak_aligned_new_array: CPP_ALIGNED_ARRAY_COUNT x
 * new AlignedObj[CPP_ALIGNED_ARRAY_LEN]. */
#define CPP_ALIGNED_ARRAY_COUNT 10
#define CPP_ALIGNED_ARRAY_LEN 4
/* leak_nothrow_new: CPP_NOTHROW_COUNT x new (std::nothrow) Obj. */
#define CPP_NOTHROW_COUNT 10
/* keep_half_sized_delete: 2 x CPP_SIZED_COUNT x new Obj, then a sized
 * `delete` of every other one. */
#define CPP_SIZED_COUNT 50
/* keep_half_aligned_delete: 2 x CPP_ALIGNED_DELETE_COUNT x new AlignedObj,
 * then an aligned sized `delete` of every other one. */
#define CPP_ALIGNED_DELETE_COUNT 10
/* churn_new_delete: CPP_CHURN_COUNT x (delete new Obj; delete[] new
 * char[CPP_CHURN_ARRAY_SIZE]): nothing outstanding. */
#define CPP_CHURN_COUNT 5000
#define CPP_CHURN_ARRAY_SIZE 64

#define CPP_NEW_LEAF "operator new(unsigned long)"
#define CPP_NEW_ARRAY_LEAF "operator new[](unsigned long)"
#define CPP_ALIGNED_NEW_LEAF "operator new(unsigned long, std::align_val_t)"
#define CPP_ALIGNED_NEW_ARRAY_LEAF \
	"operator new[](unsigned long, std::align_val_t)"
#define CPP_NOTHROW_NEW_LEAF \
	"operator new(unsigned long, std::nothrow_t const&)"

static const struct truth_expectation cpp_leaks_expected[]
	__attribute__((unused)) = {
	{ "leak_new", CPP_NEW_COUNT * CPP_OBJ_SIZE, { CPP_NEW_LEAF, 0 } },
	{ "leak_new_array", CPP_NEW_ARRAY_COUNT * CPP_NEW_ARRAY_SIZE,
	  { CPP_NEW_ARRAY_LEAF, 0 } },
	{ "leak_aligned_new", CPP_ALIGNED_NEW_COUNT * CPP_ALIGNED_OBJ_SIZE,
	  { CPP_ALIGNED_NEW_LEAF, 0 } },
	{ "leak_aligned_new_array",
	  CPP_ALIGNED_ARRAY_COUNT * CPP_ALIGNED_ARRAY_LEN *
		  CPP_ALIGNED_OBJ_SIZE,
	  { CPP_ALIGNED_NEW_ARRAY_LEAF, 0 } },
	{ "leak_nothrow_new", CPP_NOTHROW_COUNT * CPP_OBJ_SIZE,
	  { CPP_NOTHROW_NEW_LEAF, 0 } },
	{ "keep_half_sized_delete", CPP_SIZED_COUNT * CPP_OBJ_SIZE,
	  { CPP_NEW_LEAF, 0 } },
	{ "keep_half_aligned_delete",
	  CPP_ALIGNED_DELETE_COUNT * CPP_ALIGNED_OBJ_SIZE,
	  { CPP_ALIGNED_NEW_LEAF, 0 } },
};

/* Functions with nothing outstanding: no folded line may name them. */
static const char *const cpp_leaks_absent[] __attribute__((unused)) = {
	"churn_new_delete",
};

/* Frees the traced part of cpp_leaks makes at least: the deletes of the
 * keep_half_* functions and the churn. */
#define CPP_LEAKS_MIN_FREED_OBJECTS \
	(CPP_SIZED_COUNT + CPP_ALIGNED_DELETE_COUNT + 2 * CPP_CHURN_COUNT)

#endif /* ALLOCPROF_TESTS_TESTPROGS_CPP_LEAKS_TRUTH_H */
