# Two Python threads keeping buffers in different functions, and buffers
# from the C library's malloc called through ctypes (which lets go of the
# GIL for the call): the e2e tests expect each stack with its own thread's
# Python frames, at the lines marked below. The handshake is
# tests/testprogs/testprog.h's.
#
# Ground truth: A_COUNT bytearrays of A_SIZE bytes (A_SIZE + 1 bytes from
# malloc each) under leak_a(), B_COUNT of B_SIZE under leak_b(), and
# C_COUNT blocks of C_SIZE bytes from malloc under via_ctypes().
import ctypes
import threading

import handshake

A_COUNT, A_SIZE = 20, 200_000
B_COUNT, B_SIZE = 30, 300_000
C_COUNT, C_SIZE = 10, 70_000

kept = []
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]


def leak_a():
    kept.append(bytearray(A_SIZE))  # THREAD A'S LINE


def leak_b():
    kept.append(bytearray(B_SIZE))  # THREAD B'S LINE


def via_ctypes():
    kept.append(libc.malloc(C_SIZE))  # CTYPES LINE


def run(leak, count):
    for _ in range(count):
        leak()  # RUN'S CALL


def main():
    handshake.ready()
    handshake.wait_for_go()
    threads = [threading.Thread(target=run, args=(leak_a, A_COUNT)),
               threading.Thread(target=run, args=(leak_b, B_COUNT))]
    for t in threads:
        t.start()
    run(via_ctypes, C_COUNT)
    for t in threads:
        t.join()
    handshake.done()


main()
