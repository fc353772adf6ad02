package dev.shard4j.bench;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.training.BatchSource;
import dev.shard4j.training.GptRun;
import dev.shard4j.training.GptTrainer;
import dev.shard4j.training.GptTrainingOptions;
import dev.shard4j.training.TextCorpus;
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
 * One training step of GPT-mini (4 layers, 4 heads, d=256, seq 128, vocab 4096, global batch 8, AdamW, fp32) on a
 * dp x tp mesh of local ranks, each a thread with one kernel thread: strong scaling, the same global batch whatever
 * the mesh, so the scaling efficiency of n ranks is time(1 rank) / (n * time(n ranks)). Runs {@link GptTrainer}, the
 * code path of {@code shard4j train} (bucketed all-reduce over dp, Megatron layers over tp).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class MeshStepBenchmark {
  /** Mesh as {@code dp x tp}. */
  @Param({"1x1", "2x1", "1x2"})
  public String mesh;

  private final List<ExecutorService> threads = new ArrayList<>();
  private final List<GptTrainer> trainers = new ArrayList<>();
  private BatchSource data;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    String[] parts = mesh.split("x");
    int dp = Integer.parseInt(parts[0]);
    int tp = Integer.parseInt(parts[1]);
    GptRun run = new GptRun("gpt-mini", dp, tp, false, 0, false, 1000, 8, 3e-4f, 1);
    GptTrainingOptions options = run.options();
    data = new TextCorpus(GptRun.CORPUS_BYTES, GptRun.CORPUS_SEED).batches(8, run.config().seq(), GptRun.BATCH_SEED);
    List<Communicator> comms = LocalCluster.create(dp * tp, Duration.ofSeconds(120));
    List<Future<GptTrainer>> made = new ArrayList<>();
    for (Communicator c : comms) {
      ExecutorService ex = Executors.newSingleThreadExecutor();
      threads.add(ex);
      made.add(ex.submit(() -> {
        CpuRuntime.setThreads(1);
        return new GptTrainer(c, run.config(), options);
      }));
    }
    for (Future<GptTrainer> f : made) {
      trainers.add(f.get());
    }
  }

  @Benchmark
  public void trainStep() throws Exception {
    List<Future<?>> done = new ArrayList<>(trainers.size());
    for (int r = 0; r < trainers.size(); r++) {
      GptTrainer t = trainers.get(r);
      done.add(threads.get(r).submit(() -> t.step(data)));
    }
    for (Future<?> f : done) {
      f.get();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    for (int r = 0; r < trainers.size(); r++) {
      GptTrainer t = trainers.get(r);
      threads.get(r).submit(t::close).get();
      threads.get(r).shutdown();
    }
  }
}
