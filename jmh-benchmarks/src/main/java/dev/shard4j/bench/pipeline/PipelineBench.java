package dev.shard4j.bench.pipeline;

import dev.shard4j.layers.GptConfig;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.pipeline.PipelineConfig;
import dev.shard4j.pipeline.PipelineMesh;
import dev.shard4j.pipeline.PipelineRun;
import dev.shard4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Pipeline step time and bubble of GPT-mini (4 layers, 4 heads, d=256, seq 128, vocab 4096, tied head, fp32 CPU,
 * batch 16) on local ranks, per schedule, stage count and micro-batch count: the median step time after warm-up,
 * the measured bubble (from the instruction timeline) and the theoretical one, (p-1)/m or (p-1)/(v*m). A run
 * whose ranks share fewer cores than there are stages overlaps "idle" stages with busy ones, so its measured bubble
 * says how the schedule behaved on this machine, not on one core per stage. Prints one table; with {@code --trace}
 * also writes each run's Chrome trace and Gantt PNG into that folder.
 */
@CommandLine.Command(name = "pipeline-bench", mixinStandardHelpOptions = true,
    description = "GPT-mini pipeline step time and bubble per schedule")
public final class PipelineBench implements Callable<Integer> {
  @Option(names = "--pp", split = ",", defaultValue = "2,4", description = "pipeline stages; default 2,4")
  List<Integer> stages;

  @Option(names = "--microbatches", split = ",", defaultValue = "4,8,16", description = "default 4,8,16")
  List<Integer> microBatches;

  @Option(names = "--schedules", split = ",", defaultValue = "gpipe,1f1b,interleaved",
      description = "default gpipe,1f1b,interleaved (interleaved with v=2 where the 4 blocks allow it)")
  List<String> schedules;

  @Option(names = "--steps", defaultValue = "3", description = "measured steps after one warm-up step; default 3")
  int steps;

  @Option(names = "--batch", defaultValue = "16", description = "global batch rows; default 16")
  int batch;

  @Option(names = "--trace", description = "folder for Chrome traces and Gantt charts")
  Path traceDir;

  /** Runs the table; exit code 0, or 2 on bad usage. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new PipelineBench()).execute(args));
  }

  @Override
  public Integer call() {
    GptConfig model = GptConfig.of(4, 4, 256, 4096, 128, 1234);
    AdamWOptimizer.Config adam = AdamWOptimizer.Config.defaults(3e-4f);
    System.out.printf(Locale.ROOT, "GPT-mini pipeline, batch %d, %d measured steps, %d cores%n", batch, steps,
        Runtime.getRuntime().availableProcessors());
    System.out.printf(Locale.ROOT, "%-12s %3s %3s %4s %14s %16s %19s%n", "schedule", "pp", "v", "m",
        "step ms (med)", "bubble measured", "bubble theoretical");
    for (int p : stages) {
      for (String s : schedules) {
        int v = s.equals("interleaved") ? 2 : 1;
        if (p * v > model.layers()) {
          continue;
        }
        for (int m : microBatches) {
          if (batch % m != 0 || (v > 1 && m % p != 0)) {
            continue;
          }
          PipelineConfig c = PipelineConfig.of(model, PipelineMesh.of(p, 1, 1), s, v, m, batch, adam, 1.0);
          Path trace = traceDir == null ? null : traceDir.resolve(s + "-pp" + p + "-m" + m + ".json");
          PipelineRun.Result r = PipelineRun.runLocal(c, steps + 1, step -> batch(model, step), trace);
          double[] measured = Arrays.copyOfRange(r.stepMillis(), 1, r.stepMillis().length);
          Arrays.sort(measured);
          System.out.printf(Locale.ROOT, "%-12s %3d %3d %4d %14.1f %16.3f %19.3f%n", s, p, v, m,
              measured[measured.length / 2], r.measuredBubble(), r.theoreticalBubble());
        }
      }
    }
    return 0;
  }

  private Tensor[] batch(GptConfig model, int step) {
    Random rnd = new Random(step);
    int[] ids = new int[batch * model.seq()];
    int[] targets = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = rnd.nextInt(model.vocab());
      targets[i] = rnd.nextInt(model.vocab());
    }
    List<Tensor> out = new ArrayList<>();
    out.add(Tensor.fromIntArray(ids, batch, model.seq()));
    out.add(Tensor.fromIntArray(targets, batch, model.seq()));
    return out.toArray(new Tensor[0]);
  }
}
