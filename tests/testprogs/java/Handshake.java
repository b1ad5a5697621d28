// testprog.h's handshake for the Java test programs: wait until the JIT has
// been idle for a while (what the trace sees is compiled code already
// there), print "ready PID malloc=0x0 free=0x0", wait for SIGUSR1 (or a
// file, see readyAndWaitForGo), and after
// the scenario print "done" and wait until killed (SIGTERM).
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

final class Handshake {
  private Handshake() {}

  // Until the JIT has compiled nothing for 300 ms: what a tracer then sees
  // is compiled code already there, not a compilation in progress. (The
  // overhead benchmark's DirectLoop.java waits so too.)
  static void waitForIdleJit() throws InterruptedException {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    for (long last = -1, idle = 0; idle < 3; ) {
      Thread.sleep(100);
      long now = jit.getTotalCompilationTime();
      idle = now == last ? idle + 1 : 0;
      last = now;
    }
  }

  static void readyAndWaitForGo() throws InterruptedException {
    waitForIdleJit();
    // A JVM run with -Xrs dispatches no signals to Java code: it is told to
    // go by a file instead (-Dallocprof.go_file=PATH).
    String goFile = System.getProperty("allocprof.go_file");
    CountDownLatch go = new CountDownLatch(1);
    if (goFile == null) Signal.handle(new Signal("USR1"), s -> go.countDown());
    System.out.println("ready " + ProcessHandle.current().pid() + " malloc=0x0 free=0x0");
    System.out.flush();
    if (goFile == null) {
      go.await();
    } else {
      while (!new java.io.File(goFile).exists()) Thread.sleep(20);
    }
  }

  static void doneAndStay() throws InterruptedException {
    System.out.println("done");
    System.out.flush();
    while (true) Thread.sleep(1000);
  }
}
