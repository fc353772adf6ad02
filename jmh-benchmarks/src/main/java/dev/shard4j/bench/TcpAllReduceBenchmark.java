package dev.shard4j.bench;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.tcp.TcpCluster;
import dev.shard4j.collectives.tcp.TcpOptions;
import dev.shard4j.tensor.Tensor;
import java.util.List;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * In-place f32 SUM all-reduce of the TCP backend, ranks as threads of this JVM over loopback TCP
 * ({@link TcpCluster}). The benchmark thread drives rank 0; each other rank runs on a thread of its own, released by
 * a phaser for every invocation. {@code algorithm} pins recursive doubling or the ring (or leaves the size-based
 * choice), which is how the switch point {@link TcpOptions#smallMessageBytes()} is chosen.
 * busbw = 2(p-1)/p * bytes / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TcpAllReduceBenchmark {
  @Param({"2", "4"})
  public int ranks;

  /** Bytes per rank. */
  @Param({"4096", "65536", "262144", "1048576", "16777216"})
  public long bytes;

  @Param({"auto", "ring", "doubling"})
  public String algorithm;

  private List<Communicator> comms;
  private Tensor[] bufs;
  private Thread[] rankThreads;
  private Phaser start;
  private Phaser done;
  private volatile boolean stop;

  @Setup(Level.Trial)
  public void setUp() {
    TcpOptions o = TcpOptions.defaults();
    if (algorithm.equals("ring")) {
      o = o.withSmallMessageBytes(0);
    } else if (algorithm.equals("doubling")) {
      o = o.withSmallMessageBytes(Long.MAX_VALUE / 2);
    }
    comms = TcpCluster.create(ranks, o);
    bufs = new Tensor[ranks];
    for (int r = 0; r < ranks; r++) {
      bufs[r] = Tensor.zeros(bytes / 4);
    }
    start = new Phaser(ranks);
    done = new Phaser(ranks);
    rankThreads = new Thread[ranks];
    for (int r = 1; r < ranks; r++) {
      int rank = r;
      rankThreads[r] = new Thread(() -> {
        while (true) {
          start.arriveAndAwaitAdvance();
          if (stop) {
            return;
          }
          comms.get(rank).allReduce(bufs[rank], ReduceOp.SUM);
          done.arriveAndAwaitAdvance();
        }
      }, "bench-rank" + r);
      rankThreads[r].setDaemon(true);
      rankThreads[r].start();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    stop = true;
    start.arriveAndAwaitAdvance();
    for (int r = 1; r < ranks; r++) {
      rankThreads[r].join();
    }
    comms.forEach(Communicator::close);
    for (Tensor t : bufs) {
      t.close();
    }
  }

  @Benchmark
  public void allReduce() {
    start.arriveAndAwaitAdvance();
    comms.get(0).allReduce(bufs[0], ReduceOp.SUM);
    done.arriveAndAwaitAdvance();
  }
}
