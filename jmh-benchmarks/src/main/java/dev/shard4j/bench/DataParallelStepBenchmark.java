package dev.shard4j.bench;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.dp.GradientReducer;
import dev.shard4j.dp.ZeroOptimizer;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * One data-parallel training step of GPT-mini (2 layers, 4 heads, d=64, vocab 512, seq 32; AdamW) on the local
 * backend: {@code ranks} ranks, each a thread with one kernel thread and {@code rowsPerRank} sequences, gradients
 * averaged by {@link GradientReducer} with buckets of {@code bucketKiB} and overlap on or off. Per-rank work is fixed
 * (weak scaling), so the scaling efficiency of 2 ranks is time(1 rank) / time(2 ranks), and tokens per second are
 * {@code ranks * rowsPerRank * 32 / time}. {@code scheme} switches to ZeRO stage 1, 2 or 3 (same buckets; stage 3
 * gathers each block around its forward and its recomputation). Each rank's model, reducer and optimizer live on its
 * own thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DataParallelStepBenchmark {
  private static final GptConfig CONFIG = GptConfig.of(2, 4, 64, 512, 32, 1234);
  private static final int SEQ = 32;

  @Param({"1", "2"})
  public int ranks;

  @Param({"true", "false"})
  public boolean overlap;

  /** Bucket cap in KiB (GPT-mini has about 540 KiB of parameters, so DDP's 25 MiB would make one bucket). */
  @Param({"64"})
  public int bucketKiB;

  @Param({"4"})
  public int rowsPerRank;

  /** {@code ddp} (GradientReducer + AdamW) or {@code zero1}, {@code zero2}, {@code zero3} (ZeroOptimizer). */
  @Param({"ddp"})
  public String scheme;

  private final List<ExecutorService> threads = new ArrayList<>();
  private final List<Rank> state = new ArrayList<>();
  private List<Communicator> comms;

  /** One rank's model, reducer, optimizer and fixed batch; touched only by that rank's thread. */
  private static final class Rank {
    Gpt model;
    GradientReducer reducer;
    AdamWOptimizer optimizer;
    ZeroOptimizer zero;
    Tensor ids;
    Tensor targets;
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    comms = LocalCluster.create(ranks, Duration.ofSeconds(120));
    List<Future<?>> done = new ArrayList<>();
    for (int r = 0; r < ranks; r++) {
      ExecutorService ex = Executors.newSingleThreadExecutor();
      threads.add(ex);
      Rank s = new Rank();
      state.add(s);
      Communicator c = comms.get(r);
      int rank = r;
      done.add(ex.submit(() -> {
        CpuRuntime.setThreads(1);
        s.model = new Gpt(CONFIG, TensorParallel.single());
        AdamWOptimizer.Config adam = AdamWOptimizer.Config.defaults(1e-4f);
        if (scheme.equals("ddp")) {
          s.reducer = new GradientReducer(s.model.parameters(), c,
              new GradientReducer.Options(bucketKiB * 1024L, overlap));
          s.optimizer = new AdamWOptimizer(s.model.parameters(), adam);
        } else {
          ZeroOptimizer.Stage stage = switch (scheme) {
            case "zero1" -> ZeroOptimizer.Stage.ONE;
            case "zero2" -> ZeroOptimizer.Stage.TWO;
            case "zero3" -> ZeroOptimizer.Stage.THREE;
            default -> throw new IllegalArgumentException("scheme must be ddp, zero1, zero2 or zero3, got " + scheme);
          };
          List<List<Parameter>> blocks = new ArrayList<>();
          s.model.blocks().forEach(b -> blocks.add(b.parameters()));
          s.zero = new ZeroOptimizer(s.model.parameters(), blocks, c,
              new ZeroOptimizer.Options(stage, bucketKiB * 1024L, overlap), shards -> new AdamWOptimizer(shards, adam));
          Gpt model = s.model;
          ZeroOptimizer zero = s.zero;
          model.setBlockRunner((b, x) -> zero.runBlock(model.blocks().indexOf(b), x, b::forward));
        }
        int[] ids = new int[rowsPerRank * SEQ];
        int[] targets = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = (i * 31 + rank * 17) % CONFIG.vocab();
          targets[i] = (ids[i] * 7 + 3) % CONFIG.vocab();
        }
        s.ids = Tensor.fromIntArray(ids, rowsPerRank, SEQ);
        s.targets = Tensor.fromIntArray(targets, rowsPerRank, SEQ);
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
  }

  @Benchmark
  public void trainStep() throws Exception {
    List<Future<?>> done = new ArrayList<>(ranks);
    for (int r = 0; r < ranks; r++) {
      Rank s = state.get(r);
      done.add(threads.get(r).submit(() -> {
        if (s.zero == null) {
          s.reducer.zeroGrad();
        } else {
          s.zero.beginStep();
        }
        try (dev.shard4j.tensor.Scope scope = dev.shard4j.tensor.Scope.open()) {
          Variable loss = s.model.loss(s.ids, s.targets);
          loss.backward();
          if (s.zero == null) {
            s.reducer.finish();
            s.optimizer.step();
          } else {
            s.zero.finishGradients();
            s.zero.step();
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    for (int r = 0; r < ranks; r++) {
      Rank s = state.get(r);
      threads.get(r).submit(() -> {
        if (s.zero == null) {
          s.reducer.close();
          s.optimizer.close();
        } else {
          s.zero.close();
        }
        s.model.close();
        s.ids.close();
        s.targets.close();
        return null;
      }).get();
      threads.get(r).shutdown();
    }
    comms.forEach(Communicator::close);
  }
}
