// DirectLoop: the Java workload of the overhead benchmark (bench_overhead.cc).
//
// sun.misc.Unsafe's allocateMemory(64) and freeMemory, the path that
// ByteBuffer.allocateDirect and Netty take to libc's malloc and free
// (jdk.internal.misc.Unsafe.allocateMemory0, a native method, then libjvm's
// Unsafe_AllocateMemory0 and os::malloc), a few Java frames deep
// (main -> run -> pair), in a loop that times itself as malloc_loop.c does:
//
//   java -cp direct_loop.jar DirectLoop [--target-ms MS]
//       1. warms up: WARMUP_CALLS x WARMUP_PAIRS pairs, so that the JIT
//          compiles the loop, then waits until the JIT has been idle for
//          300 ms;
//       2. prints "ready pid=<pid>" and waits for SIGUSR1 (a tracer
//          attaches with -p in between);
//       3. calibrates and times about MS ms (default 1000) of pairs, prints
//            ns_per_pair=<float> iterations=<n>
//          and exits 0.
//
// Each pair allocates a block and frees the one the pair before allocated,
// so one block is outstanding at any time: at the exit, the block of the
// timed loop's last pair, whose stack is the loop's own, is what a tracer's
// report of outstanding memory shows.
import java.lang.reflect.Field;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.Unsafe;

public class DirectLoop {
  // Many calls rather than one long one: a single call would leave only an
  // on-stack-replacement compilation of run(), and calibration's calls would
  // have C2 compile it again once traced. C2 compiles a method after some
  // hundreds of calls with enough loop iterations (Tier4MinInvocationThreshold
  // 600, Tier4CompileThreshold 15000 in JDK 17).
  static final int WARMUP_CALLS = 1000;
  static final int WARMUP_PAIRS = 300;
  static final long BLOCK_SIZE = 64;

  static final Unsafe UNSAFE = theUnsafe();
  // The block of the latest pair; the next pair frees it.
  static long held;

  static Unsafe theUnsafe() {
    try {
      Field f = Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (Unsafe) f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static void pair() {
    long p = UNSAFE.allocateMemory(BLOCK_SIZE);
    UNSAFE.putByte(p, (byte) 1);  // the block is used, as a buffer's would be
    UNSAFE.freeMemory(held);      // 0 the first time: freeMemory ignores it
    held = p;
  }

  // One copy of the loop for warm-up, calibration and timing.
  static void run(long n) {
    for (long i = 0; i < n; i++) pair();
  }

  // Picks an iteration count for a timed loop of about targetNs, as
  // malloc_loop.c's calibrate does: a pair costs well under 100 ns untraced
  // and microseconds under uprobes, so batches double until one lasts a
  // twentieth of the target (at least 10 ms) and set the rate.
  static long calibrate(long targetNs) {
    long minBatchNs = Math.max(targetNs / 20, 10_000_000L);
    for (long n = 256; ; n *= 2) {
      long t0 = System.nanoTime();
      run(n);
      long dt = System.nanoTime() - t0;
      if (dt >= minBatchNs || n >= (1L << 40)) {
        double want = (double) targetNs / ((double) dt / n);
        return want < 1000 ? 1000 : (long) want;
      }
    }
  }

  static void usage() {
    System.err.println("usage: java -cp direct_loop.jar DirectLoop [--target-ms MS]");
    System.exit(2);
  }

  public static void main(String[] args) throws Exception {
    long targetMs = 1000;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--target-ms") && i + 1 < args.length) {
        try {
          targetMs = Long.parseLong(args[++i]);
        } catch (NumberFormatException e) {
          usage();
        }
      } else {
        usage();
      }
    }
    if (targetMs < 1) usage();

    for (int i = 0; i < WARMUP_CALLS; i++) run(WARMUP_PAIRS);
    Handshake.waitForIdleJit();
    // Installed before "ready" is printed, so a signal sent as soon as the
    // line is read is caught rather than ending the JVM.
    CountDownLatch go = new CountDownLatch(1);
    Signal.handle(new Signal("USR1"), s -> go.countDown());
    // If the benchmark driver dies, do not stay behind waiting forever.
    Optional<ProcessHandle> parent = ProcessHandle.current().parent();
    System.out.println("ready pid=" + ProcessHandle.current().pid());
    System.out.flush();
    while (!go.await(1, TimeUnit.SECONDS)) {
      if (parent.isPresent() && !parent.get().isAlive()) System.exit(1);
    }

    long n = calibrate(targetMs * 1_000_000L);
    long t0 = System.nanoTime();
    run(n);
    long dt = System.nanoTime() - t0;
    // Locale.ROOT: the figure's decimal point is '.' whatever the locale.
    System.out.println(
        String.format(Locale.ROOT, "ns_per_pair=%.3f iterations=%d", (double) dt / n, n));
    System.out.flush();
    System.exit(0);
  }
}
