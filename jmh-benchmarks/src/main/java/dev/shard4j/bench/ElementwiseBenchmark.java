package dev.shard4j.bench;

import dev.shard4j.nativelib.ElementwiseBinding;
import dev.shard4j.ops.Init;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
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
 * Bandwidth of the f32 CPU elementwise kernels, next to {@link MemoryCopyBenchmark}. {@code workingSet} is the total
 * size of the buffers of one call (add: a, b, out; gelu: x, out), which is also the traffic per call, so
 * GB/s = workingSet / time. The 128 MiB working set matches a 64 MiB memcpy (src + dst).
 *
 * <p>{@link Normal4M} times add and GELU forward/backward on the same element count (4M) of N(0, 1) inputs, the
 * distribution of pre-activations in a trained network, so the ns per element of GELU and add compare directly.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ElementwiseBenchmark {
  /** Bytes read + written per call. */
  @Param({"134217728", "1048576"})
  public long workingSet;

  @Param({"1", "2"})
  public int threads;

  private Tensor a;
  private Tensor b;
  private Tensor out;
  private long addN;
  private long geluN;

  @Setup(Level.Trial)
  public void setUp() {
    CpuRuntime.setThreads(threads);
    addN = workingSet / 12;
    geluN = workingSet / 8;
    a = Tensor.zeros(geluN);
    b = Tensor.zeros(geluN);
    out = Tensor.zeros(geluN);
    float[] init = new float[(int) geluN];
    for (int i = 0; i < init.length; i++) {
      init[i] = (i % 2001 - 1000) * 0.004f;
    }
    a.copyFrom(init);
    b.copyFrom(init);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    a.close();
    b.close();
    out.close();
  }

  /** out = a + b over workingSet / 12 floats. */
  @Benchmark
  public int add() {
    return ElementwiseBinding.s4j_add_cpu(out.dataAddress(), a.dataAddress(), b.dataAddress(), addN, 0);
  }

  /** out = gelu(x) over workingSet / 8 floats. */
  @Benchmark
  public int geluForward() {
    return ElementwiseBinding.s4j_gelu_forward_cpu(out.dataAddress(), a.dataAddress(), geluN, 0);
  }

  /**
   * add, GELU forward and GELU backward over {@code n} elements drawn from N(0, 1) (seeded), in fp32 or bf16, on
   * {@code threads} threads. Traffic per call: add and GELU backward move 3 tensors, GELU forward 2.
   */
  @State(Scope.Thread)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 3, time = 1)
  @Measurement(iterations = 5, time = 1)
  @Fork(1)
  public static class Normal4M {
    /** Elements per tensor. */
    @Param({"4194304"})
    public long n;

    @Param({"1"})
    public int threads;

    /** Storage type: F32 or BF16 (fp32 compute). */
    @Param({"F32", "BF16"})
    public DType dtype;

    private Tensor x;
    private Tensor dy;
    private Tensor out;

    @Setup(Level.Trial)
    public void setUp() {
      CpuRuntime.setThreads(threads);
      x = Init.normal(Shape.of(n), dtype, Device.CPU, 1, 0f, 1f);
      dy = Init.normal(Shape.of(n), dtype, Device.CPU, 2, 0f, 1f);
      out = Tensor.zeros(Shape.of(n), dtype, Device.CPU);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      x.close();
      dy.close();
      out.close();
    }

    /** out = x + dy. */
    @Benchmark
    public int add() {
      return ElementwiseBinding.s4j_add_cpu(out.dataAddress(), x.dataAddress(), dy.dataAddress(), n, dtype.code());
    }

    /** out = gelu(x). */
    @Benchmark
    public int geluForward() {
      return ElementwiseBinding.s4j_gelu_forward_cpu(out.dataAddress(), x.dataAddress(), n, dtype.code());
    }

    /** out = dy * gelu'(x). */
    @Benchmark
    public int geluBackward() {
      return ElementwiseBinding.s4j_gelu_backward_cpu(out.dataAddress(), x.dataAddress(), dy.dataAddress(), n,
          dtype.code());
    }
  }
}
