package dev.shard4j.bench;

import dev.shard4j.nativelib.ElementwiseBinding;
import dev.shard4j.tensor.CpuRuntime;
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
}
