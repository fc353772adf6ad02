package dev.shard4j.cli;

import dev.shard4j.autoshard.Plan;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Device;
import dev.shard4j.training.GptRun;
import dev.shard4j.training.PlanExecution;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shard4j train}: trains a model on the embedded CPU backend and shows the loss as it falls. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model.")
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--model", converter = ModelConverter.class,
      description = "Model to train: mlp, gpt-mini, gpt-tiny (default: mlp).")
  Model model = Model.mlp;

  @Option(names = "--steps", description = "Optimizer steps (default: 300 for mlp, 60 for GPTs).")
  Integer stepsOption;

  /** Reads {@code gpt-mini} as {@link Model#gpt_mini}. */
  static final class ModelConverter implements picocli.CommandLine.ITypeConverter<Model> {
    @Override
    public Model convert(String value) {
      for (Model m : Model.values()) {
        if (m.cliName().equals(value)) {
          return m;
        }
      }
      throw new IllegalArgumentException("unknown model '" + value + "' (known: mlp, gpt-mini, gpt-tiny)");
    }
  }


  @Option(names = "--device", description = "cpu or cuda[:N] (default: ${DEFAULT-VALUE}).")
  String device = "cpu";

  @Option(names = "--threads", description = "CPU kernel threads (default: all cores).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--lr", description = "Learning rate (default: 0.05 for mlp, 3e-3 for GPTs).")
  Float learningRate;

  @Option(names = "--mesh", description = "GPT mesh of local ranks, e.g. dp=2,tp=2 (default: ${DEFAULT-VALUE}).")
  String mesh = "dp=1";

  @Option(names = "--zero", description = "ZeRO stage over dp for GPTs: 0 (off), 1, 2 or 3 (default: ${DEFAULT-VALUE}).")
  int zero = 0;

  @Option(names = "--sp", description = "Sequence parallelism inside the tp groups.")
  boolean sequenceParallel;

  @Option(names = "--plan", description = "Execute a plan instead of --mesh/--zero/--sp: a plan JSON (from `shard4j "
      + "plan` or a manual plan; plans of several stages run on the pipeline runtime, plans that mix roles on one mesh "
      + "axis are rejected naming the ops), or `auto` to plan for --ranks local ranks and train the result.")
  Path planFile;

  @Option(names = "--ranks", description = "Local ranks for --plan auto (default: ${DEFAULT-VALUE}).")
  int ranks = 8;

  @Option(names = "--cluster", description = "For --plan auto: the cluster profile to plan with, a profile JSON (from "
      + "`shard4j profile`) or a preset (cpuxN, h100xN, v100xN); default: measure this machine's local backend now.")
  String cluster;

  @Option(names = "--schedule", description = "Pipeline schedule for pp > 1: gpipe, 1f1b, interleaved "
      + "(default: ${DEFAULT-VALUE}).")
  String schedule = "1f1b";

  @Option(names = "--chunks", description = "Model chunks per rank for the interleaved schedule (default: 2).")
  Integer chunks;

  @Option(names = "--microbatches", description = "Micro-batches per step for pp > 1 (default: ${DEFAULT-VALUE}).")
  int microBatches = 4;

  @Option(names = "--trace", description = "For pp > 1: write the Chrome/Perfetto trace JSON here and a Gantt PNG "
      + "beside it.")
  Path trace;

  @Option(names = "--bf16", description = "Mixed precision for GPTs: bf16 GEMM inputs, fp32 master weights.")
  boolean bf16;

  @Option(names = "--batch", description = "GPT sequences per step over all dp ranks (default: ${DEFAULT-VALUE}).")
  int batch = 8;

  @Option(names = "--ray", paramLabel = "HOST:PORT",
      description = "Run the GPT ranks as actors of the Ray cluster at HOST:PORT (needs the ray module and Ray's jar "
          + "on the class path, see docs/ray.md).")
  String rayAddress;

  @Option(names = "--ray-cpus-per-rank", description = "Ray CPUs each rank actor reserves, fractions allowed "
      + "(default: ${DEFAULT-VALUE}).")
  double rayCpusPerRank = 1;

  @Option(names = "--plot", description = "Where to write the GPT loss curve PNG (default: ${DEFAULT-VALUE}).")
  Path plot = Path.of("loss.png");

  /** Models the command can train. */
  enum Model {
    mlp, gpt_mini, gpt_tiny;

    String cliName() {
      return name().replace('_', '-');
    }
  }

  @Override
  public Integer call() throws java.io.IOException {
    int steps = stepsOption != null ? stepsOption : model == Model.mlp ? 300 : 60;
    if (steps < 1) {
      throw new IllegalArgumentException("train: --steps must be >= 1, got " + steps);
    }
    if (model != Model.mlp) {
      if (!device.equals("cpu")) {
        throw new UnsupportedOperationException("train: GPT training on " + device + " is not wired yet; use --device cpu");
      }
      MeshSpec m = MeshSpec.parse(mesh);
      boolean sp = sequenceParallel;
      int zeroStage = zero;
      if (planFile != null) {
        Plan plan = planFile.toString().equals("auto") ? AutoPlanJob.plan(model.cliName(), ranks, batch, cluster,
            plot.toAbsolutePath().resolveSibling("plan.json"), System.out) : Plan.fromJson(java.nio.file.Files.readString(planFile));
        if (plan.stages().size() > 1) {
          if (rayAddress != null || bf16) {
            throw new UnsupportedOperationException("train: a plan of " + plan.stages().size() + " pipeline stages "
                + "runs on the local backend in fp32; drop --ray and --bf16");
          }
          GptRun shape = new GptRun(model.cliName(), 1, 1, false, 0, false, steps, batch,
              learningRate != null ? learningRate : 3e-3f, 1);
          dev.shard4j.pipeline.PipelineConfig cfg = PlanExecution.pipelineConfig(shape, plan);
          System.out.printf(Locale.ROOT, "plan    : %s -> %s, layers %s, %d micro-batches%n",
              planFile, cfg.mesh(), cfg.stageMap(), cfg.microBatches());
          return PipelineTrainJob.run(cfg, steps, trace, plot, System.out);
        }
        dev.shard4j.training.PlanLowering.Lowered l = dev.shard4j.training.PlanLowering.lower(plan);
        System.out.printf(Locale.ROOT, "plan    : %s -> dp=%d, tp=%d%s%s%n", planFile, l.dp(), l.tp(),
            l.sequenceParallel() ? ", sequence parallel" : "", l.zeroStage() > 0 ? ", ZeRO-" + l.zeroStage() : "");
        m = new MeshSpec(l.dp(), l.tp(), 1);
        sp = l.sequenceParallel();
        zeroStage = l.zeroStage();
      }
      if (m.pp() != 1) {
        if (rayAddress != null || zeroStage != 0 || bf16) {
          throw new UnsupportedOperationException("train: pipeline parallelism (pp=" + m.pp() + ") runs on the local "
              + "backend in fp32 without ZeRO; drop --ray, --zero and --bf16");
        }
        int v = chunks != null ? chunks : schedule.equals("interleaved") ? 2 : 1;
        return PipelineTrainJob.run(model.cliName(), m, sp, schedule, v, microBatches, batch, steps,
            learningRate != null ? learningRate : 3e-3f, trace, plot, System.out);
      }
      boolean onRay = rayAddress != null;
      if (onRay && !(rayCpusPerRank > 0)) {
        throw new IllegalArgumentException("train: --ray-cpus-per-rank must be positive, got " + rayCpusPerRank);
      }
      int threadsPerRank = onRay ? Math.max(1, (int) rayCpusPerRank) : Math.max(1, threads / m.ranks());
      GptRun run = new GptRun(model.cliName(), m.dp(), m.tp(), sp, zeroStage, bf16, steps, batch,
          learningRate != null ? learningRate : 3e-3f, threadsPerRank);
      GptTrainJob.Placement where = onRay ? new GptTrainJob.Placement("ray", rayAddress, rayCpusPerRank)
          : GptTrainJob.Placement.LOCAL;
      return GptTrainJob.run(run, where, plot, System.out);
    }
    if (rayAddress != null) {
      throw new UnsupportedOperationException("train: --ray runs GPTs only (--model gpt-mini or gpt-tiny), not "
          + model.cliName());
    }
    float lr = learningRate != null ? learningRate : 0.05f;
    CpuRuntime.setThreads(threads);
    Device dev = Device.parse(device);
    DeviceReport.print(System.out);
    MlpTrainer.Config d = MlpTrainer.Config.defaults();
    MlpTrainer.Config cfg = new MlpTrainer.Config(d.inputs(), d.hidden(), d.outputs(), d.batch(), lr,
        d.momentum(), d.seed());
    System.out.printf(Locale.ROOT, "model   : mlp %d -> %d -> %d (gelu), batch %d, sgd lr %.3g momentum %.2f, on %s%n",
        cfg.inputs(), cfg.hidden(), cfg.outputs(), cfg.batch(), cfg.learningRate(), cfg.momentum(), dev);
    System.out.println("task    : imitate a fixed random teacher MLP on fresh Gaussian inputs (mean squared error)");
    ProgressBar bar = new ProgressBar(System.out, steps, Math.max(1, steps / 20));
    float first = Float.NaN;
    float last = Float.NaN;
    try (MlpTrainer trainer = new MlpTrainer(cfg, dev)) {
      long start = System.nanoTime();
      for (int step = 1; step <= steps; step++) {
        last = trainer.step();
        if (step == 1) {
          first = last;
        }
        if (!Float.isFinite(last)) {
          System.err.println("train: loss became " + last + " at step " + step + "; lower --lr");
          return 1;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        bar.update(step, last, step * (double) cfg.batch() / seconds, "samples");
      }
    }
    System.out.printf(Locale.ROOT, "loss    : %.4f -> %.4f (%.1fx lower)%n", first, last, first / last);
    return 0;
  }
}
