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
import handshake

COUNT = 200_000

kept = []


def keep(count):
    for i in range(count):
        kept.append((i, -i))  # THE ARENAS' LINE


def main():
    handshake.ready()
    handshake.wait_for_go()
    keep(COUNT)
    handshake.done()

main()
