/*
 * Ground truth of tests/testprogs/inline_leaks.c, built with DWARF and
 * optimised (-g -O2): its leaking helper is always_inline, so the compiler
 * leaves no frame of it in the machine stack and only the debug
 * information knows it was there.
 *
 *   leak_through_inline (noinline) calls inline_leak_block
 *   (always_inline) INLINE_LEAK_COUNT times; each call mallocs
 *   INLINE_LEAK_SIZE bytes, kept.
 *
 * A trace that reads the DWARF shows the malloc's caller as two frames:
 * inline_leak_block at INLINE_LEAK_MALLOC_LINE of INLINE_LEAK_FILE
 * (inlined), then leak_through_inline at INLINE_LEAK_CALL_LINE. The
 * program checks both lines at compile time (_Static_assert on the line of
 * each call), so they cannot drift from the source.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_INLINE_LEAKS_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_INLINE_LEAKS_TRUTH_H

#define INLINE_LEAK_FILE "inline_leaks.c"
#define INLINE_LEAK_COUNT 25
#define INLINE_LEAK_SIZE 3000
#define INLINE_LEAK_HELPER "inline_leak_block"
#define INLINE_LEAK_CALLER "leak_through_inline"
/* The line of the malloc call in inline_leak_block. */
#define INLINE_LEAK_MALLOC_LINE 35
/* The line of leak_through_inline's call of inline_leak_block. */
#define INLINE_LEAK_CALL_LINE 46

#endif /* ALLOCPROF_TESTS_TESTPROGS_INLINE_LEAKS_TRUTH_H */
