package dev.shard4j.cli;

import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.dp.MemoryReport;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.optim.WarmupCosineSchedule;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.training.BatchSource;
import dev.shard4j.training.GptTrainer;
import dev.shard4j.training.GptTrainingOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains a GPT on the embedded local backend (ranks as threads of this JVM) on a dp x tp mesh, with optional
 * sequence parallelism and ZeRO, on the generated character corpus; prints a progress bar, each rank's memory, and
 * writes a loss-curve PNG.
 */
final class GptTrainJob {
  /** What the command line asked for. */
  record Request(GptConfig config, MeshSpec mesh, boolean sequenceParallel, int zeroStage, boolean bf16, int steps,
      int batch, float learningRate, int threads, Path plot) {}

  private GptTrainJob() {}

  static GptConfig preset(String model) {
    return switch (model) {
      case "gpt-mini" -> new GptConfig(4, 4, 256, 4096, 128, true, 1234);
      case "gpt-tiny" -> new GptConfig(2, 4, 64, 512, 32, true, 1234);
      default -> throw new IllegalArgumentException("train: unknown GPT '" + model + "' (known: gpt-mini, gpt-tiny)");
    };
  }

  static int run(Request req, PrintStream out) throws IOException {
    MeshSpec mesh = req.mesh();
    if (mesh.pp() != 1) {
      throw new UnsupportedOperationException("train: pipeline parallelism (pp=" + mesh.pp() + ") is not wired into "
          + "`shard4j train` yet; use dp and tp");
    }
    GptConfig cfg = req.config();
    checkDivisible("heads", cfg.heads(), mesh.tp());
    checkDivisible("d_model", cfg.dModel(), mesh.tp());
    checkDivisible("vocab", cfg.vocab(), mesh.tp());
    if (req.sequenceParallel()) {
      checkDivisible("seq", cfg.seq(), mesh.tp());
    }
    if (req.batch() % mesh.dp() != 0) {
      throw new IllegalArgumentException("train: --batch " + req.batch() + " is not divisible by axis dp=" + mesh.dp());
    }
    int warmup = Math.max(1, req.steps() / 10);
    GptTrainingOptions options = new GptTrainingOptions(mesh.dp(), mesh.tp(), req.sequenceParallel(), req.zeroStage(),
        25L << 20, req.batch(), new AdamWOptimizer.Config(req.learningRate(), 0.9f, 0.95f, 1e-8f, 0.1f),
        new WarmupCosineSchedule(req.learningRate(), req.learningRate() / 10, warmup, req.steps()), 1.0,
        req.bf16());
    TextCorpus corpus = new TextCorpus(1 << 20, 7);
    int seq = cfg.seq();
    BatchSource data = (step, from, to) -> {
      int rows = to - from;
      int[] all = new int[req.batch() * seq];
      int[] allTargets = new int[req.batch() * seq];
      corpus.batch(step, req.batch(), seq, 11, all, allTargets);
      int[] ids = java.util.Arrays.copyOfRange(all, from * seq, to * seq);
      int[] targets = java.util.Arrays.copyOfRange(allTargets, from * seq, to * seq);
      return new Tensor[] {Tensor.fromIntArray(ids, rows, seq), Tensor.fromIntArray(targets, rows, seq)};
    };
    int ranks = mesh.ranks();
    int threadsPerRank = Math.max(1, req.threads() / ranks);
    out.printf(Locale.ROOT, "model   : GPT %d layers, %d heads, d=%d, vocab %d, seq %d, %,d parameters%n",
        cfg.layers(), cfg.heads(), cfg.dModel(), cfg.vocab(), cfg.seq(), cfg.parameterCount());
    out.printf(Locale.ROOT, "mesh    : dp=%d x tp=%d%s%s on %d local ranks (threads), %d kernel thread(s) each%n",
        mesh.dp(), mesh.tp(), req.sequenceParallel() ? " + sequence parallel" : "",
        req.zeroStage() > 0 ? ", ZeRO-" + req.zeroStage() : "", ranks, threadsPerRank);
    out.println("numbers : " + (req.bf16() ? "bf16 GEMM inputs, fp32 master weights, gradients and reductions"
        : "fp32"));
    out.printf(Locale.ROOT, "train   : %d steps, batch %d x %d tokens, AdamW lr %.2g (warmup %d, cosine), "
        + "clip 1.0, generated character corpus%n", req.steps(), req.batch(), seq, req.learningRate(), warmup);
    List<Float> losses = new ArrayList<>();
    MemoryReport[] memory = new MemoryReport[ranks];
    String[] coords = new String[ranks];
    ProgressBar bar = new ProgressBar(out, req.steps(), Math.max(1, req.steps() / 20));
    long tokensPerStep = (long) req.batch() * seq;
    LocalCluster.run(ranks, Duration.ofMinutes(5), world -> {
      CpuRuntime.setThreads(threadsPerRank);
      try (GptTrainer trainer = new GptTrainer(world, cfg, options)) {
        long start = System.nanoTime();
        for (int s = 1; s <= req.steps(); s++) {
          float loss = trainer.step(data);
          if (world.rank() == 0) {
            if (!Float.isFinite(loss)) {
              throw new IllegalStateException("train: loss became " + loss + " at step " + s + "; lower --lr");
            }
            losses.add(loss);
            double seconds = (System.nanoTime() - start) / 1e9;
            bar.update(s, loss, s * tokensPerStep / seconds, "tok");
          }
        }
        memory[world.rank()] = trainer.memory();
        coords[world.rank()] = trainer.coordinates();
      }
    });
    for (int r = 0; r < ranks; r++) {
      out.printf(Locale.ROOT, "rank %-2d : %-16s parameters %s, gradients %s, optimizer %s, total %s%n", r, coords[r],
          MemorySize.format(memory[r].parameterBytes()), MemorySize.format(memory[r].gradientBytes()),
          MemorySize.format(memory[r].optimizerStateBytes()), MemorySize.format(memory[r].totalBytes()));
    }
    out.printf(Locale.ROOT, "loss    : %.4f -> %.4f%n", losses.get(0), losses.get(losses.size() - 1));
    if (req.plot() != null) {
      LossCurvePng.write(req.plot(), String.format(Locale.ROOT, "GPT loss, dp=%d tp=%d%s%s", mesh.dp(), mesh.tp(),
          req.sequenceParallel() ? " sp" : "", req.zeroStage() > 0 ? " ZeRO-" + req.zeroStage() : ""), losses);
      out.println("plot    : " + req.plot().toAbsolutePath());
    }
    return 0;
  }

  private static void checkDivisible(String what, int value, int tp) {
    if (value % tp != 0) {
      throw new IllegalArgumentException("train: " + what + "=" + value + " is not divisible by axis tp=" + tp);
    }
  }
}
