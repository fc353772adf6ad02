package dev.shard4j.bench.collectives;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Out-of-place fp32 SUM all-reduce on the local backend, the JMH counterpart of
 * {@code CollectivePerf all_reduce}. The benchmark thread is rank 0; ranks 1..n-1 are threads that issue the same
 * all-reduce in a loop, so every call of rank 0 is matched by one call of each peer (between JMH iterations the
 * peers wait in the collective). Teardown aborts the group, which ends the peers' loops. busbw in GB/s =
 * {@code bytes * 2(n-1)/n / time}. Each rank's CPU kernels use one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LocalAllReduceBenchmark {
  /** Number of ranks (threads). */
  @Param({"2", "4", "8"})
  public int ranks;

  /** Bytes of each rank's buffer. */
  @Param({"4096", "1048576", "67108864"})
  public long bytes;

  private List<Communicator> comms;
  private final List<Tensor> tensors = new ArrayList<>();
  private final List<Thread> peers = new ArrayList<>();
  private Tensor in0;
  private Tensor out0;

  @Setup(Level.Trial)
  public void setUp() {
    comms = LocalCluster.create(ranks, Duration.ofMinutes(10));
    long n = bytes / 4;
    for (int r = 0; r < ranks; r++) {
      Tensor in = Tensor.zeros(Shape.of(n), DType.F32, Device.CPU);
      Tensor out = Tensor.zeros(Shape.of(n), DType.F32, Device.CPU);
      tensors.add(in);
      tensors.add(out);
      if (r == 0) {
        in0 = in;
        out0 = out;
        continue;
      }
      Communicator c = comms.get(r);
      Thread t = new Thread(() -> {
        CpuRuntime.setThreads(1);
        try {
          while (true) {
            c.allReduce(in, out, ReduceOp.SUM);
          }
        } catch (CommunicatorException aborted) {
          // teardown aborted the group
        }
      }, "allreduce-bench-rank" + r);
      t.setDaemon(true);
      peers.add(t);
      t.start();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    comms.get(0).abort();
    for (Thread t : peers) {
      t.join();
    }
    comms.forEach(Communicator::close);
    tensors.forEach(Tensor::close);
  }

  @Benchmark
  public void allReduce() {
    CpuRuntime.setThreads(1);
    comms.get(0).allReduce(in0, out0, ReduceOp.SUM);
  }
}
