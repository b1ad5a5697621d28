# A Python service that keeps small objects: pymalloc carves them out of
# arenas it maps from the system, so the stacks that hold the bytes are the
# allocations that opened each arena. The e2e test expects those arenas
# under keep() at the line marked below, and the report's note about them.
# The handshake is tests/testprogs/testprog.h's: the ready line, SIGUSR1 to
# go, "done".
#
# Ground truth: COUNT tuples of two small ints' worth of objects (a tuple
# of 2 is a 64-byte pymalloc block with its GC header), so at least
# COUNT x 64 bytes of arenas, in whole arenas.
import ctypes
import os
import signal
import sys

COUNT = 200_000

kept = []


def keep(count):
    for i in range(count):
        kept.append((i, -i))  # THE ARENAS' LINE


def main():
    libc = ctypes.CDLL(None)
    malloc = ctypes.cast(libc.malloc, ctypes.c_void_p).value
    free = ctypes.cast(libc.free, ctypes.c_void_p).value
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM, signal.SIGUSR2})
    print(f"ready {os.getpid()} malloc=0x{malloc:x} free=0x{free:x}", flush=True)
    signal.sigwaitinfo({signal.SIGUSR1})
    keep(COUNT)
    print("done", flush=True)
    if "--stay" in sys.argv:
        signal.sigwaitinfo({signal.SIGTERM, signal.SIGUSR2})


main()
