package dev.shard4j.bench;

import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.nativelib.MemoryBinding;
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
 * The bandwidth limit that bandwidth-bound kernels are compared with: a plain multithreaded host memcpy. Bytes moved
 * per call are 2 x size (read + write); GB/s = 2 * bytes / time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MemoryCopyBenchmark {
  /** Bytes copied per call. */
  @Param({"67108864"})
  public long bytes;

  @Param({"1", "2"})
  public int threads;

  private Tensor src;
  private Tensor dst;

  @Setup(Level.Trial)
  public void setUp() {
    CpuRuntime.setThreads(threads);
    src = Tensor.zeros(bytes / 4);
    dst = Tensor.zeros(bytes / 4);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    src.close();
    dst.close();
  }

  @Benchmark
  public int memcpy() {
    return MemoryBinding.s4j_memcpy_cpu(dst.dataAddress(), src.dataAddress(), bytes);
  }
}
