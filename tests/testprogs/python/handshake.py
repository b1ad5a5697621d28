# tests/testprogs/testprog.h's handshake for the Python test programs: the
# ready line (with the C library's malloc and free, as the C programs print
# them), SIGUSR1 to go, "done", and with --stay a wait for SIGTERM or
# SIGUSR2 so that a tracer attached with -p ends before the program.
import ctypes
import os
import signal
import sys


def ready():
    """Blocks the handshake's signals and prints the ready line."""
    libc = ctypes.CDLL(None)
    malloc = ctypes.cast(libc.malloc, ctypes.c_void_p).value
    free = ctypes.cast(libc.free, ctypes.c_void_p).value
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM, signal.SIGUSR2})
    print(f"ready {os.getpid()} malloc=0x{malloc:x} free=0x{free:x}", flush=True)


def wait_for_go():
    """Waits for SIGUSR1, unless the program was started with --now."""
    if "--now" not in sys.argv:
        signal.sigwaitinfo({signal.SIGUSR1})


def done():
    """Prints "done"; with --stay, then waits to be ended."""
    print("done", flush=True)
    if "--stay" in sys.argv:
        signal.sigwaitinfo({signal.SIGTERM, signal.SIGUSR2})
