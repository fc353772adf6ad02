package dev.shard4j.bench;

import dev.shard4j.nativelib.AdamWBinding;
import dev.shard4j.nativelib.EmbeddingBinding;
import dev.shard4j.ops.Init;
import dev.shard4j.tensor.CpuRuntime;
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
 * Bandwidth of the fused AdamW step and the embedding backward on CPU, to compare with {@link MemoryCopyBenchmark}.
 * AdamW moves 28 bytes per parameter (read param, grad, m, v; write param, m, v): GB/s = 28 * n / time. The
 * embedding backward over n tokens of dim channels into a (vocab, dim) table moves 12 * n * dim bytes (read dout,
 * read and write the table row): GB/s = 12 * tokens * dim / time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NnOpsBenchmark {
  /** Parameters updated per AdamW call (16M f32 = 64 MiB per buffer). */
  @Param({"16777216"})
  public long params;

  @Param({"1", "2"})
  public int threads;

  private static final int TOKENS = 8192;
  private static final int DIM = 1024;
  private static final int VOCAB = 32000;

  private Tensor p;
  private Tensor g;
  private Tensor m;
  private Tensor v;
  private Tensor ids;
  private Tensor dout;
  private Tensor dtable;
  private long step;

  @Setup(Level.Trial)
  public void setUp() {
    CpuRuntime.setThreads(threads);
    p = Tensor.zeros(params);
    g = Tensor.zeros(params);
    m = Tensor.zeros(params);
    v = Tensor.zeros(params);
    Init.normal(p, 1, 0, 0f, 1f);
    Init.normal(g, 1, 1, 0f, 1f);
    int[] id = new int[TOKENS];
    Random r = new Random(1);
    for (int i = 0; i < TOKENS; i++) {
      id[i] = r.nextInt(VOCAB);
    }
    ids = Tensor.fromIntArray(id, TOKENS);
    dout = Tensor.zeros(TOKENS, DIM);
    Init.normal(dout, 2, 0, 0f, 1f);
    dtable = Tensor.zeros(VOCAB, DIM);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (Tensor t : new Tensor[] {p, g, m, v, ids, dout, dtable}) {
      t.close();
    }
  }

  @Benchmark
  public int adamw() {
    return AdamWBinding.s4j_adamw_cpu(p.dataAddress(), m.dataAddress(), v.dataAddress(), g.dataAddress(), params,
        1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, ++step, 1f);
  }

  @Benchmark
  public int embeddingBackward() {
    return EmbeddingBinding.s4j_embedding_backward_cpu(dtable.dataAddress(), dout.dataAddress(), ids.dataAddress(), 0,
        TOKENS, DIM, 0, VOCAB, 1, 0);
  }
}
