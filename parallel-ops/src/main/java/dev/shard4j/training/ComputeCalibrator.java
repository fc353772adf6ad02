package dev.shard4j.training;

import dev.shard4j.autograd.LinearFunctions;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.autoshard.ComputeCalibration;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.ops.Gemm;
import dev.shard4j.ops.Init;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Map;
import java.util.TreeMap;

/**
 * Measures a group's {@link ComputeCalibration} with every rank computing at once, as in training: how many
 * compute units the ranks of a node share (CPU cores over kernel threads per rank; none on CUDA), the fixed cost of
 * one kernel call through the autograd layer (a tiny linear layer's forward and backward, five kernels, run many
 * times), and the GEMM rate when one dimension is small (m x k x n with one of the three at d and the others at
 * the reference size, 512 on the CPU and 4096 on CUDA; the mean over the three positions, relative to the
 * reference cube), and the arrival skew of a hand-off after compute ({@link #syncSeconds}). Collective: every rank calls {@link #measure} in the same order; every rank gets the same
 * answer (medians over ranks).
 */
public final class ComputeCalibrator {
  /** Kernels in one forward + backward of {@code linear(x, w, b)}: GEMM, bias; dx and dw GEMMs, bias column sum. */
  static final int LINEAR_KERNELS = 5;
  /** Tiny linear layers per timed kernel sample, so that one sample is long enough to time. */
  static final int TINY_REPEATS = 50;
  /** Compute + all-reduce rounds per arrival-skew sample. */
  static final int SYNC_ROUNDS = 20;

  private final CommunicatorProfiler timing;

  /** Times kernels with {@code timing}'s iterations and kernel threads. */
  public ComputeCalibrator(CommunicatorProfiler timing) {
    this.timing = timing;
  }

  /**
   * Collective: the calibration of the group's ranks on {@code device}, all ranks computing at once. Call it outside
   * any {@link Scope} (the tiny layer's parameters must own their gradients).
   */
  public ComputeCalibration measure(Communicator comm, Device device) {
    int previous = timing.setKernelThreads(device);
    float[] mine = new float[2 + dims(device).length];
    try {
      mine[0] = (float) (kernelSeconds(comm, device) * 1e6);
      mine[mine.length - 1] = (float) (syncSeconds(comm, device) * 1e6);
      int ref = reference(device);
      int[] dims = dims(device);
      double[] rates = new double[dims.length];
      // the reference cube is timed before and after the small shapes and the faster time kept, so that neither
      // a cold first call nor a drift during the run reads as a size effect
      double refSeconds = gemmSeconds(comm, device, ref, ref, ref);
      for (int i = 0; i < dims.length; i++) {
        int d = dims[i];
        for (int[] s : new int[][] {{d, ref, ref}, {ref, d, ref}, {ref, ref, d}}) {
          rates[i] += (double) s[0] * s[1] * s[2] / gemmSeconds(comm, device, s[0], s[1], s[2]) / 3;
        }
      }
      refSeconds = Math.min(refSeconds, gemmSeconds(comm, device, ref, ref, ref));
      for (int i = 0; i < dims.length; i++) {
        mine[1 + i] = (float) (rates[i] / ((double) ref * ref * ref / refSeconds));
      }
      float[] all = CommunicatorProfiler.allGather(comm, device, mine);
      int ranks = comm.size();
      double[] column = new double[ranks];
      for (int r = 0; r < ranks; r++) {
        column[r] = all[r * mine.length];
      }
      double kernelSeconds = CommunicatorProfiler.median(column) * 1e-6;
      Map<Integer, Double> efficiency = new TreeMap<>();
      for (int i = 0; i < dims.length; i++) {
        for (int r = 0; r < ranks; r++) {
          column[r] = all[r * mine.length + 1 + i];
        }
        efficiency.put(dims[i], CommunicatorProfiler.median(column));
      }
      efficiency.put(ref, 1.0);
      // a hand-off is as late as its latest rank: the largest skew over ranks
      double sync = 0;
      for (int r = 0; r < ranks; r++) {
        sync = Math.max(sync, all[r * mine.length + mine.length - 1]);
      }
      return new ComputeCalibration(coresPerNode(device), kernelSeconds, efficiency, sync * 1e-6);
    } finally {
      CommunicatorProfiler.restoreKernelThreads(device, previous);
    }
  }

  /**
   * Extra seconds of a small all-reduce right after compute instead of right after a barrier: {@link #SYNC_ROUNDS}
   * times a GEMM then the all-reduce, against the GEMMs alone and the all-reduces alone (each after a barrier),
   * median of five samples. On cores shared by more ranks than cores, ranks arrive skewed by the scheduler; on
   * dedicated devices it is about 0.
   */
  private double syncSeconds(Communicator comm, Device device) {
    try (Scope scope = Scope.open()) {
      int n = device.isCuda() ? 2048 : 256;
      Tensor a = Init.normal(Shape.of(n, n), DType.F32, device, 5, 0f, 1f);
      Tensor b = Init.normal(Shape.of(n, n), DType.F32, device, 6, 0f, 1f);
      Tensor c = Tensor.zeros(Shape.of(n, n), DType.F32, device);
      Tensor small = Tensor.zeros(Shape.of(1024), DType.F32, device);
      Runnable gemm = () -> Gemm.gemm(c, a, b, 1f, 0f);
      Runnable allReduce = () -> comm.allReduce(small, ReduceOp.SUM);
      gemm.run();
      allReduce.run();
      double[] alone = new double[5];
      double[] both = new double[5];
      double[] reduce = new double[5];
      for (int s = 0; s < alone.length; s++) {
        alone[s] = rounds(comm, device, gemm, null);
        both[s] = rounds(comm, device, gemm, allReduce);
        reduce[s] = rounds(comm, device, null, allReduce);
      }
      double extra = CommunicatorProfiler.median(both) - CommunicatorProfiler.median(alone)
          - CommunicatorProfiler.median(reduce);
      return Math.max(0, extra / SYNC_ROUNDS);
    }
  }

  private static double rounds(Communicator comm, Device device, Runnable compute, Runnable collective) {
    comm.barrier();
    long start = System.nanoTime();
    for (int i = 0; i < SYNC_ROUNDS; i++) {
      if (compute != null) {
        compute.run();
      }
      if (collective != null) {
        collective.run();
      }
    }
    CommunicatorProfiler.sync(device);
    return (System.nanoTime() - start) / 1e9;
  }

  /** Rank-sized compute slots of this host: cores over kernel threads per rank on the CPU, 0 on CUDA. */
  int coresPerNode(Device device) {
    if (!device.isCpu()) {
      return 0;
    }
    return Math.max(1, Runtime.getRuntime().availableProcessors() / timing.kernelThreads());
  }

  private static int reference(Device device) {
    return device.isCuda() ? 4096 : 512;
  }

  private static int[] dims(Device device) {
    int ref = reference(device);
    return new int[] {ref / 32, ref / 16, ref / 8, ref / 4, ref / 2};
  }

  private double gemmSeconds(Communicator comm, Device device, int m, int k, int n) {
    try (Scope scope = Scope.open()) {
      Tensor a = Init.normal(Shape.of(m, k), DType.F32, device, 1, 0f, 1f);
      Tensor b = Init.normal(Shape.of(k, n), DType.F32, device, 2, 0f, 1f);
      Tensor c = Tensor.zeros(Shape.of(m, n), DType.F32, device);
      return timing.timeKernel(comm, device, () -> Gemm.gemm(c, a, b, 1f, 0f));
    }
  }

  /** Seconds per kernel call of a tiny linear layer's forward and backward through autograd. */
  private double kernelSeconds(Communicator comm, Device device) {
    // outside any scope: the parameters own their values and gradients and free them when closed
    try (Parameter w = new Parameter("calibration.weight", Init.normal(Shape.of(8, 8), DType.F32, device, 3, 0f, 1f));
        Parameter b = new Parameter("calibration.bias", Tensor.zeros(Shape.of(8), DType.F32, device));
        Scope scope = Scope.open()) {
      Tensor x = Init.normal(Shape.of(4, 8), DType.F32, device, 4, 0f, 1f);
      float[] ones = new float[32];
      java.util.Arrays.fill(ones, 1f);
      Tensor seed = Tensor.fromArray(ones, Shape.of(4, 8), DType.F32, device);
      double perSample = timing.timeKernel(comm, device, () -> {
        for (int i = 0; i < TINY_REPEATS; i++) {
          try (Scope step = Scope.open()) {
            LinearFunctions.linear(Variable.leaf(x, true), w, b).backward(seed);
          }
        }
      });
      return perSample / TINY_REPEATS / LINEAR_KERNELS;
    }
  }
}
