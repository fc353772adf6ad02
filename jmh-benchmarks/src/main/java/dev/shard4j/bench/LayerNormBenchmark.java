package dev.shard4j.bench;

import dev.shard4j.nativelib.LayerNormBinding;
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
 * Bandwidth of the f32 CPU layernorm forward (N x C, C = 768 as in GPT-2 small), next to {@link MemoryCopyBenchmark}.
 * workingSet = x + out bytes (weight, bias, mean, rstd are negligible) = traffic per call; GB/s = workingSet / time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LayerNormBenchmark {
  @Param({"134217728", "1048576"})
  public long workingSet;

  @Param({"1", "2"})
  public int threads;

  @Param({"768"})
  public long channels;

  private Tensor x;
  private Tensor out;
  private Tensor w;
  private Tensor b;
  private Tensor mean;
  private Tensor rstd;
  private long rows;

  @Setup(Level.Trial)
  public void setUp() {
    CpuRuntime.setThreads(threads);
    rows = workingSet / 8 / channels;
    x = Tensor.zeros(rows * channels);
    out = Tensor.zeros(rows * channels);
    w = Tensor.zeros(channels);
    b = Tensor.zeros(channels);
    mean = Tensor.zeros(rows);
    rstd = Tensor.zeros(rows);
    float[] init = new float[(int) (rows * channels)];
    for (int i = 0; i < init.length; i++) {
      init[i] = (i % 997) * 0.01f;
    }
    x.copyFrom(init);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    x.close();
    out.close();
    w.close();
    b.close();
    mean.close();
    rstd.close();
  }

  @Benchmark
  public int layernormForward() {
    return LayerNormBinding.s4j_layernorm_forward_cpu(out.dataAddress(), mean.dataAddress(), rstd.dataAddress(),
        x.dataAddress(), w.dataAddress(), b.dataAddress(), rows, channels, 1e-5f, 0);
  }
}
