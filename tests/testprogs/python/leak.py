# A Python service that keeps a buffer per request: the e2e tests trace it
# on Debian's python3 (CPython 3.11) and expect each buffer's bytes under
# handle() and serve() at the lines marked below. The handshake is
# tests/testprogs/testprog.h's: the ready line, SIGUSR1 to go, "done".
#
# Ground truth: LEAK_COUNT buffers of LEAK_SIZE bytes, each one malloc of
# LEAK_SIZE + 1 bytes (a bytearray keeps a NUL after its bytes, and one
# this large is past pymalloc's 512-byte limit, so it comes from malloc).
import handshake

LEAK_COUNT = 50
LEAK_SIZE = 100_000

kept = []


def handle(request):
    kept.append(bytearray(LEAK_SIZE))  # THE LEAK'S LINE


def serve(requests):
    for request in range(requests):
        handle(request)  # SERVE'S CALL


def main():
    handshake.ready()
    handshake.wait_for_go()
    serve(LEAK_COUNT)  # MAIN'S CALL
    handshake.done()

main()
