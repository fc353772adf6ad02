package dev.shard4j.bench;

import dev.shard4j.nativelib.SoftmaxBinding;
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
 * Bandwidth of the f32 CPU softmax forward over rows of {@code cols} (1024) columns, next to
 * {@link MemoryCopyBenchmark}. workingSet = x + out bytes = traffic per call (x is read from memory once; the second
 * read of a row hits L1/L2), so GB/s = workingSet / time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SoftmaxBenchmark {
  @Param({"134217728", "1048576"})
  public long workingSet;

  @Param({"1", "2"})
  public int threads;

  @Param({"1024"})
  public long cols;

  private Tensor x;
  private Tensor out;
  private long rows;

  @Setup(Level.Trial)
  public void setUp() {
    CpuRuntime.setThreads(threads);
    rows = workingSet / 8 / cols;
    x = Tensor.zeros(rows * cols);
    out = Tensor.zeros(rows * cols);
    float[] init = new float[(int) (rows * cols)];
    for (int i = 0; i < init.length; i++) {
      init[i] = (i % 1999) * 0.003f;
    }
    x.copyFrom(init);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    x.close();
    out.close();
  }

  @Benchmark
  public int softmaxForward() {
    return SoftmaxBinding.s4j_softmax_forward_cpu(out.dataAddress(), x.dataAddress(), rows, cols, 0, 0);
  }
}
