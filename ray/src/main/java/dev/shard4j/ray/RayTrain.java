package dev.shard4j.ray;

import dev.shard4j.training.GptRun;
import dev.shard4j.training.GptRunBackend;
import java.util.List;

/**
 * Runs a {@link GptRun} (what {@code shard4j train --model gpt-mini --mesh dp=2,tp=2} describes) with its ranks as
 * Ray actors: every rank builds the same GPT, optimizer and generated corpus and trains its part of the mesh
 * ({@link GptRun#trainRank}); rank 0's steps stream to the driver as progress. The command line finds it as the
 * {@link GptRunBackend} named {@code ray} ({@code shard4j train --ray HOST:PORT}); programs call
 * {@link #run(RayLauncher.Builder, GptRun, GptRun.StepListener)} on a cluster they already hold. Stateless; any
 * thread may use it.
 */
public final class RayTrain implements GptRunBackend {
  /** For {@link java.util.ServiceLoader}. */
  public RayTrain() {}

  @Override
  public String name() {
    return "ray";
  }

  /**
   * Connects to the cluster at {@code address} (with this JVM's class path as the ranks' code search path), runs
   * {@code run} with {@code cpusPerRank} CPUs reserved per rank actor, and disconnects. Ray allows one connection per
   * JVM, so this fails when the calling JVM already holds one; use {@link #run(RayLauncher.Builder, GptRun,
   * GptRun.StepListener)} then.
   */
  @Override
  public List<GptRun.RankResult> run(String address, GptRun run, double cpusPerRank, GptRun.StepListener progress) {
    try (RayCluster cluster = RayCluster.connect(address)) {
      return run(RayLauncher.builder(cluster).cpusPerRank(cpusPerRank), run, progress);
    }
  }

  /**
   * Runs {@code run} on the launcher {@code base} describes (cluster, CPUs or GPUs per rank, placement, JVM options,
   * timeouts); this sets its ranks, dp x tp mesh, kernel threads and progress. Returns one result per rank in rank
   * order (the caller owns it); calls {@code progress} on the calling thread with rank 0's steps. Fails with
   * {@link RankFailedException} naming the rank that failed.
   */
  public static List<GptRun.RankResult> run(RayLauncher.Builder base, GptRun run, GptRun.StepListener progress) {
    RayLauncher launcher = base.ranks(run.ranks())
        .mesh(new int[] {run.dp(), run.tp()}, "dp", "tp")
        .threadsPerRank(run.threadsPerRank())
        .progress(p -> {
          if (p.rank() == 0) {
            progress.onStep((int) p.step(), (float) p.loss(), p.tokensPerSecond());
          }
        })
        .build();
    return launcher.launch(rankFunction(run));
  }

  /** The body of every rank: trains its part of {@code run}; only rank 0 reports progress. */
  static RankFunction<GptRun.RankResult> rankFunction(GptRun run) {
    return ctx -> run.trainRank(ctx.communicator(),
        ctx.rank() == 0 ? ctx::progress : (step, loss, tokensPerSecond) -> { });
  }
}
