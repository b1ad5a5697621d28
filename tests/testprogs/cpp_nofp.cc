/*
 * Leaks through operator new from one function called from two places,
 * built without frame pointers (cpp_nofp_truth.h).
 *
 *   cpp_nofp [--now] [--stay]      (handshake: see testprog.h)
 *
 * The functions are extern "C" so that their frames are named as the truth
 * names them, and noinline; every object is kept in a global array.
 */
#include <stdio.h>

#include <new>
#include <string>

#include "cpp_nofp_truth.h"
#include "testprog.h"

#define NOINLINE __attribute__((noinline))

namespace {

struct Obj {
	char data[CPP_NOFP_OBJ_SIZE];
};
static_assert(sizeof(Obj) == CPP_NOFP_OBJ_SIZE, "Obj size is the truth's");

constexpr int kTotal = CPP_NOFP_FROM_A + CPP_NOFP_FROM_B;

} // namespace

extern "C" {

Obj *kept_objects[kTotal];
/* Strings made in place in static storage and never destroyed: their
 * buffers stay outstanding past exit (a global std::string array would free
 * them in its destructors), and making them allocates nothing. */
alignas(std::string) unsigned char string_storage[kTotal][sizeof(std::string)];
std::string *kept_strings[kTotal];
int kept_count;

/* Returns how many objects are kept so far, so that its callers have work
 * after the call and do not end in a tail call, which would take their
 * frames off the stack. */
NOINLINE int keep_objects(int n)
{
	for (int i = 0; i < n; i++) {
		kept_objects[kept_count] = new Obj;
		kept_strings[kept_count] =
			new (string_storage[kept_count]) std::string();
		/* Out of line in libstdc++ (std::string is an extern template):
		 * operator new is called from libstdc++'s own frames. */
		kept_strings[kept_count]->reserve(CPP_NOFP_RESERVE);
		kept_count++;
	}
	return kept_count;
}

NOINLINE int caller_a(void)
{
	return keep_objects(CPP_NOFP_FROM_A) + 1;
}

NOINLINE int caller_b(void)
{
	return keep_objects(CPP_NOFP_FROM_B) + 2;
}

} // extern "C"

int main(int argc, char **argv)
{
	struct testprog_options opts = testprog_parse(argc, argv);

	testprog_ready();
	testprog_wait_for_go(&opts);
	if (caller_a() + caller_b() != 2 * kTotal - CPP_NOFP_FROM_B + 3) {
		fprintf(stderr, "cpp_nofp: unexpected count %d\n", kept_count);
		return 1;
	}
	testprog_done(&opts);
	return 0;
}
