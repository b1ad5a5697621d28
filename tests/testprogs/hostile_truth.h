/*
 * What tests/testprogs/hostile.c plants and allocates, shared with
 * tests/e2e/hostile_target_test.cc. The program runs as an unprivileged
 * user and tries to turn a root tracer against its host; the test checks
 * that every trick fails and is reported.
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_HOSTILE_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_HOSTILE_TRUTH_H

/* Its comm (at most 15 bytes): clear the screen, go back to the line's
 * start, retitle the window and ring, were it printed raw. */
#define HOSTILE_COMM "\x1b[2J\r\x1b]0;x\x07"

/* The perf map's name for its JIT code ("--perf-map names"): colours, a
 * window title, a carriage return over the line, a backspace, DEL, and a
 * lone 0x9b (CSI to a terminal in 8-bit mode). */
#define HOSTILE_JIT_NAME "jit\x1b[31mred\x1b]0;owned\x07\rforged\b\x7f\x9b" "2J"

/* hostile_jit_leak: HOSTILE_JIT_COUNT x malloc(HOSTILE_JIT_SIZE) made by
 * code it copied into anonymous executable memory ("--jit"), all kept. */
#define HOSTILE_JIT_COUNT 8
#define HOSTILE_JIT_SIZE 40000

/* hostile_leak: HOSTILE_LEAK_COUNT x malloc(HOSTILE_LEAK_SIZE) from its own
 * code, all kept: every run has a stack in the executable. */
#define HOSTILE_LEAK_COUNT 8
#define HOSTILE_LEAK_SIZE 30000

/* The sparse perf map of "--perf-map sparse": twice 1 GiB, far over the
 * 64 MiB allocprof reads. */
#define HOSTILE_SPARSE_MAP_BYTES (2ull << 30)

#endif /* ALLOCPROF_TESTS_TESTPROGS_HOSTILE_TRUTH_H */
