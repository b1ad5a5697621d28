/*
 * A small object built with -g -O2 for the source line tests
 * (source_lines_test.cc): inline_lib_run() calls an always_inline helper,
 * which calls inline_lib_record(). The record keeps its return address --
 * an address inside the helper's inlined code -- and the lines of the two
 * calls, so the test knows what the DWARF must say at that address without
 * hard-coding an address or a line.
 */
#ifndef ALLOCPROF_TESTS_UNIT_SYMBOLS_TESTDATA_INLINE_LIB_H
#define ALLOCPROF_TESTS_UNIT_SYMBOLS_TESTDATA_INLINE_LIB_H

#ifdef __cplusplus
extern "C" {
#endif

struct inline_site {
	void *return_address; /* in inline_lib_run, inside the helper */
	int helper_line;      /* of the helper's call to inline_lib_record */
	int caller_line;      /* of inline_lib_run's call to the helper */
	int calls;
};

/* Fills *site; returns site->calls. */
int inline_lib_run(struct inline_site *site);

#ifdef __cplusplus
}
#endif

#endif /* ALLOCPROF_TESTS_UNIT_SYMBOLS_TESTDATA_INLINE_LIB_H */
