/*
 * Leaks through C++ operator new in its plain, array, aligned and nothrow
 * forms, frees through sized and aligned operator delete, and churns; the
 * outstanding bytes of each scenario are in cpp_leaks_truth.h.
 *
 *   cpp_leaks [--now] [--stay]      (handshake: see testprog.h)
 *
 * The scenario functions are extern "C", so that their frames are named as
 * the truth names them, noinline, and keep every object in a global array,
 * so that no allocation can be optimised away.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <new>

#include "cpp_leaks_truth.h"
#include "testprog.h"

#define NOINLINE __attribute__((noinline))

namespace {

struct Obj {
	char data[CPP_OBJ_SIZE];
};
static_assert(sizeof(Obj) == CPP_OBJ_SIZE, "Obj size is the truth's");

struct alignas(CPP_ALIGN) AlignedObj {
	char data[CPP_ALIGNED_OBJ_SIZE];
};
static_assert(sizeof(AlignedObj) == CPP_ALIGNED_OBJ_SIZE,
	      "AlignedObj size is the truth's");

void die(const char *what)
{
	fprintf(stderr, "cpp_leaks: %s failed\n", what);
	exit(1);
}

} // namespace

extern "C" {

Obj *leaked_new[CPP_NEW_COUNT];
char *leaked_new_array[CPP_NEW_ARRAY_COUNT];
AlignedObj *leaked_aligned_new[CPP_ALIGNED_NEW_COUNT];
AlignedObj *leaked_aligned_new_array[CPP_ALIGNED_ARRAY_COUNT];
Obj *leaked_nothrow_new[CPP_NOTHROW_COUNT];
Obj *kept_sized[CPP_SIZED_COUNT];
AlignedObj *kept_aligned[CPP_ALIGNED_DELETE_COUNT];
/* Written by the churn so that each new/delete pair stays a real call. */
void *volatile churn_last;

NOINLINE void leak_new(void)
{
	for (int i = 0; i < CPP_NEW_COUNT; i++)
		leaked_new[i] = new Obj;
}

NOINLINE void leak_new_array(void)
{
	for (int i = 0; i < CPP_NEW_ARRAY_COUNT; i++)
		leaked_new_array[i] = new char[CPP_NEW_ARRAY_SIZE];
}

NOINLINE void leak_aligned_new(void)
{
	for (int i = 0; i < CPP_ALIGNED_NEW_COUNT; i++)
		leaked_aligned_new[i] = new AlignedObj;
}

NOINLINE void leak_aligned_new_array(void)
{
	for (int i = 0; i < CPP_ALIGNED_ARRAY_COUNT; i++)
		leaked_aligned_new_array[i] =
			new AlignedObj[CPP_ALIGNED_ARRAY_LEN];
}

NOINLINE void leak_nothrow_new(void)
{
	for (int i = 0; i < CPP_NOTHROW_COUNT; i++)
		if (!(leaked_nothrow_new[i] = new (std::nothrow) Obj))
			die("new (std::nothrow)");
}

/* `delete p` of a complete, trivially destructible type calls
 * operator delete(void *, std::size_t) with -fsized-deallocation. */
NOINLINE void keep_half_sized_delete(void)
{
	for (int i = 0; i < 2 * CPP_SIZED_COUNT; i++) {
		Obj *p = new Obj;

		if (i % 2)
			delete p;
		else
			kept_sized[i / 2] = p;
	}
}

/* ... and operator delete(void *, std::size_t, std::align_val_t) for an
 * over-aligned type. */
NOINLINE void keep_half_aligned_delete(void)
{
	for (int i = 0; i < 2 * CPP_ALIGNED_DELETE_COUNT; i++) {
		AlignedObj *p = new AlignedObj;

		if (i % 2)
			delete p;
		else
			kept_aligned[i / 2] = p;
	}
}

NOINLINE void churn_new_delete(void)
{
	for (int i = 0; i < CPP_CHURN_COUNT; i++) {
		Obj *p = new Obj;
		char *a = new char[CPP_CHURN_ARRAY_SIZE];

		churn_last = p;
		churn_last = a;
		delete p;
		delete[] a;
	}
}

} // extern "C"

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);

	testprog_ready();
	testprog_wait_for_go(&opts);

	leak_new();
	leak_new_array();
	leak_aligned_new();
	leak_aligned_new_array();
	leak_nothrow_new();
	keep_half_sized_delete();
	keep_half_aligned_delete();
	churn_new_delete();

	testprog_done(&opts);
	return 0;
}
