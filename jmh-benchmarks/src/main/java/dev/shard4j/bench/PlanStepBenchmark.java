package dev.shard4j.bench;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.training.GptPlanCatalog;
import dev.shard4j.training.GptRun;
import dev.shard4j.training.LocalPlanSession;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * One training step of GPT-mini (global batch 8, AdamW, fp32) under each plan of {@link GptPlanCatalog} on local
 * ranks (threads, one kernel thread each): the measured side of the cost model's fidelity. The predicted side is
 * the simulator's step time of the same plan on the same cluster profile ({@code shard4j fidelity} joins the two and
 * reports Spearman's rank correlation). {@code profile} is a profile JSON from {@code shard4j profile} (the auto
 * plan is planned with it); empty means the {@code cpuxN} preset.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class PlanStepBenchmark {
  /** Catalog plan name ({@code shard4j fidelity --ranks N --list} prints them; the defaults are those of 8 ranks). */
  @Param({"dp8-tp1", "dp8-tp1-zero3", "dp4-tp2", "dp4-tp2-sp", "dp2-tp4", "dp2-tp4-sp", "pp2-dp4-tp1-m2",
      "pp2-dp2-tp2-m2", "pp2-dp2-tp2-m4", "pp2-dp2-tp2-m4-gpipe", "pp2-dp1-tp4-m2", "pp2-dp1-tp4-m4",
      "pp2-dp1-tp4-m8", "pp2-dp1-tp4-m4-gpipe", "pp4-dp2-tp1-m4", "pp4-dp1-tp2-m4", "pp4-dp1-tp2-m8", "auto"})
  public String plan;

  /** Cluster profile JSON of the local ranks, or empty for the preset. */
  @Param({""})
  public String profile;

  /** Local ranks. */
  @Param({"8"})
  public int ranks;

  private LocalPlanSession session;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    ClusterProfile cluster = profile.isEmpty() ? ClusterProfile.localCpu(ranks)
        : ClusterProfile.fromJson(Files.readString(Path.of(profile)));
    GptRun run = new GptRun("gpt-mini", 1, 1, false, 0, false, 100_000, 8, 1e-4f, 1);
    session = new LocalPlanSession(run, GptPlanCatalog.byName(GptPlanCatalog.plans(run, cluster), plan).plan());
  }

  @Benchmark
  public float trainStep() {
    return session.step();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    session.close();
  }
}
