/*
 * Ground truth of tests/testprogs/cpp_nofp.cc, a C++ program built without
 * frame pointers (as Debian builds libstdc++): keep_objects() leaks through
 * operator new, directly and through libstdc++'s std::string::reserve, and
 * is called from two places. A correct trace names both callers one frame
 * above keep_objects, with libstdc++'s frames between it and operator new
 * for the strings.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_CPP_NOFP_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_CPP_NOFP_TRUTH_H

/* keep_objects(n): n x new Obj (CPP_NOFP_OBJ_SIZE bytes) and n strings
 * reserved to CPP_NOFP_RESERVE characters, all kept. */
#define CPP_NOFP_OBJ_SIZE 48
#define CPP_NOFP_RESERVE 2000
/* libstdc++ allocates capacity + 1 bytes (the terminating NUL) for a
 * string reserved from empty to more than twice its in-place capacity. */
#define CPP_NOFP_STRING_BYTES (CPP_NOFP_RESERVE + 1)

/* caller_a calls keep_objects(CPP_NOFP_FROM_A), caller_b
 * keep_objects(CPP_NOFP_FROM_B). */
#define CPP_NOFP_FROM_A 40
#define CPP_NOFP_FROM_B 25

#define CPP_NOFP_LEAK_FUNCTION "keep_objects"
#define CPP_NOFP_CALLER_A "caller_a"
#define CPP_NOFP_CALLER_B "caller_b"
/* The leaf: libstdc++'s operator new, as demangled. */
#define CPP_NOFP_LEAF "operator new(unsigned long)"

#endif /* ALLOCPROF_TESTS_TESTPROGS_CPP_NOFP_TRUTH_H */
