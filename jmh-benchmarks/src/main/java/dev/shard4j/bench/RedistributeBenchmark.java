package dev.shard4j.bench;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.dist.DTensor;
import dev.shard4j.dist.DeviceMesh;
import dev.shard4j.dist.Placement;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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
 * One redistribution of a {@code rows x cols} f32 tensor on a 1-D mesh of {@code ranks} local (thread) ranks, timed on
 * rank 0. The other ranks run the same redistribution in a loop on their own threads, kept in step by the collectives
 * themselves; only transitions that communicate are listed, so no rank can run ahead. Comparing {@code S(0)->R} (an
 * all-gather straight into place) with {@code S(1)->R} (the same bytes plus the chunk-major copies) shows the cost of
 * sharding a non-leading dimension.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RedistributeBenchmark {
  @Param({"S(0)->R", "S(1)->R", "S(0)->S(1)", "P->S(0)", "P->S(1)", "P->R"})
  public String transition;

  @Param({"2"})
  public int ranks;

  @Param({"1024"})
  public int rows;

  @Param({"1024"})
  public int cols;

  private List<Communicator> comms;
  private final List<Thread> peers = new ArrayList<>();
  private DeviceMesh mesh;
  private DTensor source;
  private Placement target;

  @Setup(Level.Trial)
  public void setUp() throws InterruptedException {
    String[] parts = transition.split("->");
    Placement from = Placement.parse(parts[0]);
    target = Placement.parse(parts[1]);
    comms = LocalCluster.create(ranks, Duration.ofMinutes(30));
    CountDownLatch ready = new CountDownLatch(ranks - 1);
    for (int r = 1; r < ranks; r++) {
      Communicator c = comms.get(r);
      Thread t = new Thread(() -> peerLoop(c, from, ready), "bench-rank" + r);
      t.setDaemon(true);
      peers.add(t);
      t.start();
    }
    CpuRuntime.setThreads(1);
    mesh = DeviceMesh.create1d(comms.get(0), "x");
    source = build(mesh, from);
    ready.await();
  }

  private void peerLoop(Communicator c, Placement from, CountDownLatch ready) {
    CpuRuntime.setThreads(1);
    try (DeviceMesh m = DeviceMesh.create1d(c, "x"); DTensor src = build(m, from)) {
      ready.countDown();
      while (true) {
        src.redistribute(target).close();
      }
    } catch (RuntimeException aborted) {
      // the group is aborted in tearDown
    }
  }

  private DTensor build(DeviceMesh m, Placement from) {
    try (Tensor global = Tensor.zeros(rows, cols)) {
      return DTensor.distribute(global, m, from);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    comms.get(0).abort();
    for (Thread t : peers) {
      t.join();
    }
    source.close();
    mesh.close();
    comms.forEach(Communicator::close);
  }

  @Benchmark
  public long redistribute() {
    try (DTensor out = source.redistribute(target)) {
      return out.localTensor().numel();
    }
  }
}
