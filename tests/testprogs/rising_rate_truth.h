/*
 * Ground truth of tests/testprogs/rising_rate.c, the program the overhead
 * guard (--max-overhead) is checked against: a quiet phase, then a busy one
 * at a rate full tracing cannot afford, with a steady leak throughout the
 * busy phase, and blocks allocated while quiet that are freed only at the
 * end of the busy phase (after the guard has switched to sampling).
 */
#ifndef ALLOCPROF_TESTS_TESTPROGS_RISING_RATE_TRUTH_H
#define ALLOCPROF_TESTS_TESTPROGS_RISING_RATE_TRUTH_H

/* Both phases tick every millisecond. */
#define RISING_TICK_NS 1000000L

/* Quiet: this long, RISING_QUIET_PAIRS malloc+free pairs a tick. */
#define RISING_QUIET_TICKS 2000
#define RISING_QUIET_PAIRS 1

/* Busy: this long, RISING_BUSY_PAIRS pairs a tick (of RISING_CHURN_BYTES,
 * from RISING_CHURN_DEPTH frames down: the stack walk is what full tracing
 * pays for and sampling saves), and one leaked block a tick. */
#define RISING_BUSY_TICKS 6000
#define RISING_BUSY_PAIRS 25
#define RISING_CHURN_BYTES 64
#define RISING_CHURN_DEPTH 48

/* leak_steadily: one block a busy tick. */
#define RISING_LEAK_BLOCK 16384
#define RISING_LEAK_BYTES ((unsigned long long)RISING_BUSY_TICKS * RISING_LEAK_BLOCK)

/* hold_blocks: allocated during the quiet phase, all freed at the end of
 * the busy one: nothing of theirs is outstanding at the end. */
#define RISING_HELD_BLOCKS 2000
#define RISING_HELD_BYTES 4096

#endif /* ALLOCPROF_TESTS_TESTPROGS_RISING_RATE_TRUTH_H */
