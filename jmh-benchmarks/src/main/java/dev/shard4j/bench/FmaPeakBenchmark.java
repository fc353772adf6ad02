package dev.shard4j.bench;

import dev.shard4j.ops.Gemm;
import dev.shard4j.tensor.Device;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * This machine's peak fp32 FLOP/s: 16 independent AVX-512 FMA chains per thread (12 AVX2 chains without AVX-512).
 * Each call performs {@code iterations * 16 chains * 16 lanes * 2} FLOPs per thread (AVX-512), so
 * GFLOP/s = 512 * iterations * threads / time. GEMM efficiency is quoted against this number.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FmaPeakBenchmark {
  /** Rounds of 16 FMAs per thread and call. */
  @Param({"10000000"})
  public long iterations;

  @Param({"1", "2"})
  public int threads;

  @Benchmark
  public double fma() {
    return Gemm.fmaPeakFlops(Device.CPU, iterations, threads);
  }
}
