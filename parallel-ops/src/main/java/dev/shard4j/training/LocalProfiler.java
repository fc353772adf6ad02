package dev.shard4j.training;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.autoshard.Profiler;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.Gemm;
import dev.shard4j.ops.Ops;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Measures this machine for the planner: all-reduce times of the local backend (ranks as threads, one kernel thread
 * each) at several sizes, fitted to the cost model's {@code alpha + beta * 2(n-1)/n * bytes}, and the FLOP/s of one
 * kernel thread for matmuls (an fp32 GEMM) and element-wise ops (GELU, counted as 8 FLOP per element as the graph
 * builders do). {@link #profile(int)} turns the measurements into a {@link ClusterProfile} the planner and the
 * simulator read. Runs collectives and kernels for real, so it takes seconds; call it from one thread.
 */
public final class LocalProfiler implements Profiler {
  private final long[] sizes;
  private final int iterations;

  /** Measures all-reduce at {@code sizes} bytes, {@code iterations} timed calls each (median kept). */
  public LocalProfiler(long[] sizes, int iterations) {
    if (sizes.length < 2 || iterations < 1) {
      throw new IllegalArgumentException("LocalProfiler: need at least 2 sizes and 1 iteration, got sizes="
          + Arrays.toString(sizes) + " iterations=" + iterations);
    }
    this.sizes = sizes.clone();
    this.iterations = iterations;
  }

  /** 256 KiB, 2 MiB and 16 MiB, 5 timed calls each. */
  public static LocalProfiler defaults() {
    return new LocalProfiler(new long[] {256 << 10, 2 << 20, 16 << 20}, 5);
  }

  @Override
  public List<Sample> measureAllReduce(int axisSize, boolean crossNode) {
    if (crossNode) {
      throw new UnsupportedOperationException("LocalProfiler: the local backend runs on one node; there is no "
          + "cross-node link to measure");
    }
    if (axisSize < 2) {
      throw new IllegalArgumentException("LocalProfiler: all-reduce needs at least 2 ranks, got " + axisSize);
    }
    double[] seconds = new double[sizes.length];
    LocalCluster.run(axisSize, comm -> {
      CpuRuntime.setThreads(1);
      for (int i = 0; i < sizes.length; i++) {
        try (Scope scope = Scope.open()) {
          Tensor t = Tensor.zeros(Shape.of(sizes[i] / 4), dev.shard4j.tensor.DType.F32, dev.shard4j.tensor.Device.CPU);
          double[] times = new double[iterations];
          comm.allReduce(t, ReduceOp.SUM);
          for (int k = 0; k < iterations; k++) {
            comm.barrier();
            long start = System.nanoTime();
            comm.allReduce(t, ReduceOp.SUM);
            times[k] = (System.nanoTime() - start) / 1e9;
          }
          if (comm.rank() == 0) {
            Arrays.sort(times);
            seconds[i] = times[iterations / 2];
          }
        }
      }
    });
    List<Sample> out = new ArrayList<>();
    double factor = 2.0 * (axisSize - 1) / axisSize;
    for (int i = 0; i < sizes.length; i++) {
      out.add(new Sample(factor * sizes[i], seconds[i]));
    }
    return out;
  }

  @Override
  public Map<OpKind.OpClass, Double> measureFlops() {
    Map<OpKind.OpClass, Double> flops = new EnumMap<>(OpKind.OpClass.class);
    Thread worker = new Thread(() -> {
      CpuRuntime.setThreads(1);
      try (Scope scope = Scope.open()) {
        int n = 512;
        Tensor a = Ops.normal(Shape.of(n, n), 0f, 1f, 1);
        Tensor b = Ops.normal(Shape.of(n, n), 0f, 1f, 2);
        Tensor c = Tensor.zeros(n, n);
        flops.put(OpKind.OpClass.MATMUL, 2.0 * n * n * n / median(() -> Gemm.gemm(c, a, b, 1f, 0f)));
        long elems = 1 << 22;
        Tensor x = Ops.normal(Shape.of(elems), 0f, 1f, 3);
        Tensor y = Tensor.zeros(elems);
        flops.put(OpKind.OpClass.ELEMENTWISE, 8.0 * elems / median(() -> Elementwise.geluForward(y, x)));
      }
    }, "shard4j-profiler");
    worker.start();
    try {
      worker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("LocalProfiler: interrupted while measuring FLOP/s", e);
    }
    if (flops.size() != OpKind.OpClass.values().length) {
      throw new IllegalStateException("LocalProfiler: FLOP/s measurement failed on the worker thread");
    }
    return flops;
  }

  private static double median(Runnable op) {
    op.run();
    double[] t = new double[7];
    for (int i = 0; i < t.length; i++) {
      long start = System.nanoTime();
      op.run();
      t[i] = (System.nanoTime() - start) / 1e9;
    }
    Arrays.sort(t);
    return t[t.length / 2];
  }

  /**
   * A profile of {@code ranks} local ranks: {@link ClusterProfile#localCpu(int)} with the link fitted from measured
   * all-reduces over all ranks (inside and "across" nodes alike: there is one node) and the measured FLOP/s.
   */
  public ClusterProfile profile(int ranks) {
    AlphaBeta link = Profiler.fit(measureAllReduce(Math.max(2, ranks), false));
    double alpha = Math.max(0, link.alpha());
    if (!(link.beta() > 0)) {
      throw new IllegalStateException("LocalProfiler: fitted beta " + link.beta() + " is not positive; the machine "
          + "was too noisy, measure again");
    }
    return Profiler.withMeasuredFlops(ClusterProfile.localCpu(ranks), measureFlops())
        .withLinks(alpha, link.beta(), alpha, link.beta());
  }
}
