package dev.shard4j.cli;

import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.dp.MemoryReport;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.training.GptRun;
import dev.shard4j.training.GptRunBackend;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains a GPT on a dp x tp mesh, with optional sequence parallelism, ZeRO and bf16, on the generated character
 * corpus: on the embedded local backend (ranks as threads of this JVM) or, given a cluster address, on a
 * {@link GptRunBackend} found on the class path (Ray). Prints a progress bar, each rank's memory, and writes a
 * loss-curve PNG.
 */
final class GptTrainJob {
  /** Where the ranks run: {@code null} address for local threads, else a backend name and its cluster address. */
  record Placement(String backend, String address, double cpusPerRank) {
    static final Placement LOCAL = new Placement(null, null, 0);

    boolean local() {
      return backend == null;
    }
  }

  private GptTrainJob() {}

  static int run(GptRun run, Placement where, Path plot, PrintStream out) throws IOException {
    GptRunBackend backend = where.local() ? null : backend(where.backend());
    GptConfig cfg = run.config();
    out.printf(Locale.ROOT, "model   : GPT %d layers, %d heads, d=%d, vocab %d, seq %d, %,d parameters%n",
        cfg.layers(), cfg.heads(), cfg.dModel(), cfg.vocab(), cfg.seq(), cfg.parameterCount());
    out.printf(Locale.ROOT, "mesh    : dp=%d x tp=%d%s%s on %d %s, %d kernel thread(s) each%n",
        run.dp(), run.tp(), run.sequenceParallel() ? " + sequence parallel" : "",
        run.zeroStage() > 0 ? ", ZeRO-" + run.zeroStage() : "", run.ranks(),
        where.local() ? "local rank(s) (threads)" : where.backend() + " rank actor(s) at " + where.address()
            + String.format(Locale.ROOT, " (%.2g CPU each)", where.cpusPerRank()),
        run.threadsPerRank());
    out.println("numbers : " + (run.bf16() ? "bf16 GEMM inputs, fp32 master weights, gradients and reductions"
        : "fp32"));
    out.printf(Locale.ROOT, "train   : %d steps, batch %d x %d tokens, AdamW lr %.2g (warmup %d, cosine), "
        + "clip 1.0, generated character corpus%n", run.steps(), run.batch(), cfg.seq(), run.learningRate(),
        run.warmupSteps());
    ProgressBar bar = new ProgressBar(out, run.steps(), Math.max(1, run.steps() / 20));
    GptRun.StepListener progress = (step, loss, tokensPerSecond) -> bar.update(step, loss, tokensPerSecond, "tok");
    List<GptRun.RankResult> results = where.local() ? runLocal(run, progress)
        : backend.run(where.address(), run, where.cpusPerRank(), progress);
    for (GptRun.RankResult r : results) {
      MemoryReport m = r.memory();
      out.printf(Locale.ROOT, "rank %-2d : %-16s parameters %s, gradients %s, optimizer %s, total %s%n", r.rank(),
          r.coordinates(), MemorySize.format(m.parameterBytes()), MemorySize.format(m.gradientBytes()),
          MemorySize.format(m.optimizerStateBytes()), MemorySize.format(m.totalBytes()));
    }
    List<Float> losses = new ArrayList<>();
    for (float l : results.get(0).losses()) {
      losses.add(l);
    }
    out.printf(Locale.ROOT, "loss    : %.4f -> %.4f%n", losses.get(0), losses.get(losses.size() - 1));
    if (plot != null) {
      LossCurvePng.write(plot, String.format(Locale.ROOT, "GPT loss, dp=%d tp=%d%s%s%s", run.dp(), run.tp(),
          run.sequenceParallel() ? " sp" : "", run.zeroStage() > 0 ? " ZeRO-" + run.zeroStage() : "",
          where.local() ? "" : " on " + where.backend()), losses);
      out.println("plot    : " + plot.toAbsolutePath());
    }
    return 0;
  }

  private static List<GptRun.RankResult> runLocal(GptRun run, GptRun.StepListener progress) {
    GptRun.RankResult[] results = new GptRun.RankResult[run.ranks()];
    LocalCluster.run(run.ranks(), Duration.ofMinutes(5), world -> results[world.rank()] =
        run.trainRank(world, world.rank() == 0 ? progress : (s, l, t) -> { }));
    return List.of(results);
  }

  /** The backend named {@code name} on the class path, or a clear error saying how to put it there. */
  static GptRunBackend backend(String name) {
    GptRunBackend b = GptRunBackend.find(name, GptTrainJob.class.getClassLoader());
    if (b == null) {
      throw new IllegalStateException("train --" + name + ": the " + name + " backend is not on the class path (no "
          + GptRunBackend.class.getName() + " named '" + name + "'). Build the optional ray module with its Maven "
          + "profile (export SHARD4J_RAY_DIST_JAR=\"$(scripts/ray-env.sh)\"; mvn -pl collectives,parallel-ops,ray,cli "
          + "package -DskipTests) and run the command line with it and Ray's jar on the class path instead of "
          + "java -jar: java -cp cli/target/shard4j.jar:ray/target/shard4j-ray-0.1.0-SNAPSHOT.jar:"
          + "$SHARD4J_RAY_DIST_JAR dev.shard4j.cli.Shard4jCommand train --ray HOST:PORT ... (see docs/ray.md, "
          + "\"shard4j train on Ray\")");
    }
    return b;
  }
}
