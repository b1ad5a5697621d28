// A Netty pipeline whose handler forgets to release one reply in
// LEAK_EVERY, on Netty's pooled allocator (direct buffers), for the Java
// end-to-end test (tests/e2e/java_test.cc), with testprog.h's handshake
// (Handshake.java):
//
//   1. warms up: WARMUP_MESSAGES messages through the pipeline, leaking as
//      in 3, so that the JIT compiles the whole path;
//   2. ready, waits for SIGUSR1;
//   3. MESSAGES more, of which every LEAK_EVERY-th reply (REPLY_SIZE bytes
//      from ctx.alloc().directBuffer in Replier.channelRead, on the line
//      marked THE REPLY'S LINE, which the test looks for) is never
//      released: the pool opens new chunks (16 MiB, the default
//      pageSize 8192 << maxOrder 11) from channelRead to hold them;
//      Then unpooledLeak keeps UNPOOLED_COUNT x Unpooled.directBuffer(
//      UNPOOLED_SIZE): one direct allocation of UNPOOLED_SIZE bytes each;
//   4. done, waits until killed.
//
// With -Dnettyleaks.until_oom=true, step 3 sends messages until direct
// memory runs out (-XX:MaxDirectMemorySize): the exception ends the JVM,
// as it ends a gateway that leaks.
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

public class NettyLeaks {
  static final int WARMUP_MESSAGES = 20000;
  static final int MESSAGES = 4000;
  static final int LEAK_EVERY = 8;
  // The warm-up leaks as much, so that the JIT has compiled the leaking
  // path, down to the pool opening chunks, before the trace runs.
  static final int WARMUP_LEAK_EVERY = LEAK_EVERY;
  static final int REPLY_SIZE = 64 * 1024;
  static final int UNPOOLED_COUNT = 32;
  static final int UNPOOLED_SIZE = 300000;

  static final java.util.ArrayList<ByteBuf> unpooled = new java.util.ArrayList<>();

  static void unpooledLeak() {
    for (int i = 0; i < UNPOOLED_COUNT; i++) {
      unpooled.add(io.netty.buffer.Unpooled.directBuffer(UNPOOLED_SIZE));
    }
  }

  static final class Replier extends ChannelInboundHandlerAdapter {
    int leakEvery = WARMUP_LEAK_EVERY;
    int seen;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      ByteBuf reply = ctx.alloc().directBuffer(REPLY_SIZE);  // THE REPLY'S LINE
      reply.writeZero(64);
      if (++seen % leakEvery == 0) return;  // the bug: no release()
      reply.release();
    }
  }

  static void send(EmbeddedChannel channel, int messages) {
    for (int i = 0; i < messages; i++) {
      channel.writeInbound(channel.alloc().heapBuffer(16).writeInt(i));
    }
  }

  public static void main(String[] args) throws Exception {
    Replier replier = new Replier();
    EmbeddedChannel channel = new EmbeddedChannel(replier);
    send(channel, WARMUP_MESSAGES);
    for (int i = 0; i < 2000; i++) io.netty.buffer.Unpooled.directBuffer(1024).release();
    Handshake.readyAndWaitForGo();
    replier.leakEvery = LEAK_EVERY;
    if (Boolean.getBoolean("nettyleaks.until_oom")) {
      // Over a few seconds, as a service leaks (over days).
      while (true) {
        send(channel, 100);
        Thread.sleep(10);
      }
    }
    send(channel, MESSAGES);
    unpooledLeak();
    Handshake.doneAndStay();
  }
}
