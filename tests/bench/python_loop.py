# The Python workload of the benchmark (python.sh): a loop that allocates
# and frees bytearray(1000) (one malloc and one free each: past pymalloc's
# 512-byte limit), three Python frames deep, timed as malloc_loop.c times
# its pairs:
#
#   python3 python_loop.py [TARGET_MS]
#       1. warms up, prints "ready pid=<pid>" and waits for SIGUSR1 (a
#          tracer attaches with -p in between);
#       2. calibrates and times about TARGET_MS ms (default 1000) of
#          allocations, prints "ns_per_alloc=<float> iterations=<n>", exits.
import os
import signal
import sys
import time

SIZE = 1000


def allocate(n):
    for _ in range(n):
        bytearray(SIZE)


def run(n):
    allocate(n)


def timed(n):
    start = time.perf_counter_ns()
    run(n)
    return time.perf_counter_ns() - start


def main():
    target_ns = int(sys.argv[1] if len(sys.argv) > 1 else 1000) * 1_000_000
    run(10_000)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    print(f"ready pid={os.getpid()}", flush=True)
    signal.sigwaitinfo({signal.SIGUSR1})
    n = 1000
    while timed(n) < target_ns // 10:
        n *= 2
    n = max(1, int(n * target_ns / max(1, timed(n))))
    took = timed(n)
    print(f"ns_per_alloc={took / n:.1f} iterations={n}", flush=True)


main()
