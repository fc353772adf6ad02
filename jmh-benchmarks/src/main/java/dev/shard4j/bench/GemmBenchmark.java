package dev.shard4j.bench;

import dev.shard4j.ops.Gemm;
import dev.shard4j.ops.GemmImpl;
import dev.shard4j.ops.OpenBlas;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Random;
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
 * Square GEMM C = A B (n x n), Shard4j's blocked kernel against OpenBLAS in the same run. GFLOP/s = 2 n^3 / time.
 * Run with {@code OPENBLAS_CORETYPE=SkylakeX} in the environment on AVX-512 CPUs (OpenBLAS reads it at start-up).
 * bf16 runs use bf16 A and B with fp32 C; OpenBLAS has no bf16 entry in its preset, so only {@code impl=shard4j}
 * applies to it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GemmBenchmark {
  @Param({"512", "1024", "2048", "4096"})
  public int n;

  @Param({"f32", "bf16"})
  public String dtype;

  @Param({"1", "2"})
  public int threads;

  @Param({"shard4j", "openblas"})
  public String impl;

  private Tensor a;
  private Tensor b;
  private Tensor c;
  private GemmImpl which;

  @Setup(Level.Trial)
  public void setUp() {
    if (dtype.equals("bf16") && impl.equals("openblas")) {
      throw new UnsupportedOperationException("OpenBLAS preset has no bf16 GEMM; skip impl=openblas with dtype=bf16");
    }
    CpuRuntime.setThreads(threads);
    OpenBlas.setThreads(threads);
    DType t = dtype.equals("bf16") ? DType.BF16 : DType.F32;
    Random rnd = new Random(1);
    float[] data = new float[n * n];
    for (int i = 0; i < data.length; i++) {
      data[i] = rnd.nextFloat() - 0.5f;
    }
    a = Tensor.fromArray(data, Shape.of(n, n), t, Device.CPU);
    b = Tensor.fromArray(data, Shape.of(n, n), t, Device.CPU);
    c = Tensor.zeros(Shape.of(n, n), DType.F32, Device.CPU);
    which = impl.equals("openblas") ? GemmImpl.VENDOR : GemmImpl.SHARD4J;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    a.close();
    b.close();
    c.close();
  }

  @Benchmark
  public void gemm() {
    Gemm.gemm(c, a, b, 1f, 0f, which);
  }
}
