// Direct memory kept by Java code, for the Java end-to-end test
// (tests/e2e/java_test.cc), with testprog.h's handshake:
//
//   1. warms up: WARMUP_BUFFERS direct buffers allocated and dropped, so
//      that the JIT compiles java.nio's allocation path, and waits until the
//      JIT has been idle for 300 ms;
//   2. prints "ready PID malloc=0x0 free=0x0" and waits for SIGUSR1;
//   3. leakDirect keeps LEAK_COUNT x ByteBuffer.allocateDirect(LEAK_SIZE),
//      each one malloc of exactly LEAK_SIZE bytes in libjvm's
//      Unsafe_AllocateMemory0; prints "done";
//   4. waits until it is killed (SIGTERM).
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

public class JavaLeaks {
  static final int WARMUP_BUFFERS = 20000;
  static final int LEAK_COUNT = 64;
  static final int LEAK_SIZE = 100000;

  static final ArrayList<ByteBuffer> kept = new ArrayList<>();
  static long sink;

  static void warmUp() {
    for (int i = 0; i < WARMUP_BUFFERS; i++) {
      ByteBuffer b = ByteBuffer.allocateDirect(1024);
      sink += b.capacity();
    }
  }

  static void leakDirect() {
    for (int i = 0; i < LEAK_COUNT; i++) kept.add(ByteBuffer.allocateDirect(LEAK_SIZE));
  }

  public static void main(String[] args) throws Exception {
    warmUp();
    System.gc();  // the warm-up's buffers are freed before the trace, mostly
    // The JIT compiles in the background: wait until it has been idle for a
    // while, so that what the trace sees is compiled code already there.
    java.lang.management.CompilationMXBean jit =
        java.lang.management.ManagementFactory.getCompilationMXBean();
    for (long last = -1, idle = 0; idle < 3; ) {
      Thread.sleep(100);
      long now = jit.getTotalCompilationTime();
      idle = now == last ? idle + 1 : 0;
      last = now;
    }
    CountDownLatch go = new CountDownLatch(1);
    Signal.handle(new Signal("USR1"), s -> go.countDown());
    System.out.println("ready " + ProcessHandle.current().pid() + " malloc=0x0 free=0x0");
    System.out.flush();
    go.await();
    leakDirect();
    System.out.println("done");
    System.out.flush();
    while (true) Thread.sleep(1000);
  }
}
