// Direct memory kept by Java code, for the Java end-to-end test
// (tests/e2e/java_test.cc), with testprog.h's handshake (Handshake.java):
//
//   1. warms up: WARMUP_BUFFERS direct buffers allocated and dropped, so
//      that the JIT compiles java.nio's allocation path, and waits until the
//      JIT has been idle for 300 ms;
//   2. prints "ready PID malloc=0x0 free=0x0" and waits for SIGUSR1;
//   3. leakDirect keeps LEAK_COUNT x ByteBuffer.allocateDirect(LEAK_SIZE),
//      each one malloc of exactly LEAK_SIZE bytes in libjvm's
//      Unsafe_AllocateMemory0, on the line marked THE LEAK'S LINE (which
//      the test looks for); prints "done";
//   4. waits until it is killed (SIGTERM).
import java.nio.ByteBuffer;
import java.util.ArrayList;

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
    for (int i = 0; i < LEAK_COUNT; i++) {
      kept.add(ByteBuffer.allocateDirect(LEAK_SIZE));  // THE LEAK'S LINE
    }
  }

  public static void main(String[] args) throws Exception {
    warmUp();
    System.gc();  // the warm-up's buffers are freed before the trace, mostly
    Handshake.readyAndWaitForGo();
    leakDirect();
    Handshake.doneAndStay();
  }
}
