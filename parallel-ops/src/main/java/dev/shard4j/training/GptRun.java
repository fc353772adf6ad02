package dev.shard4j.training;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.dp.MemoryReport;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.optim.WarmupCosineSchedule;
import dev.shard4j.tensor.CpuRuntime;
import java.io.Serializable;

/**
 * One GPT training run on a dp x tp mesh, as {@code shard4j train} describes it: a named preset, the mesh, the
 * training options and the generated character corpus. Every backend (ranks as threads, ranks as Ray actors) builds
 * the same model, optimizer and batches from it, so their losses agree. Immutable and serializable (it travels to
 * remote ranks).
 *
 * @param model            preset name, see {@link #preset(String)}
 * @param dp               data-parallel size
 * @param tp               tensor-parallel size
 * @param sequenceParallel sequence parallelism inside the tp groups
 * @param zeroStage        0 (off), 1, 2 or 3
 * @param bf16             bf16 GEMM inputs with fp32 master weights
 * @param steps            optimizer steps
 * @param batch            sequences per step over all dp ranks
 * @param learningRate     peak learning rate (warmup over a tenth of the steps, then cosine to a tenth)
 * @param threadsPerRank   CPU kernel threads of each rank
 */
public record GptRun(String model, int dp, int tp, boolean sequenceParallel, int zeroStage, boolean bf16, int steps,
    int batch, float learningRate, int threadsPerRank) implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Characters of generated text every run trains on. */
  public static final int CORPUS_BYTES = 1 << 20;
  /** Seed of the generated text. */
  public static final long CORPUS_SEED = 7;
  /** Seed of the batch positions in the text. */
  public static final long BATCH_SEED = 11;

  /** Checks the run against its preset before any rank starts; messages name the offending option. */
  public GptRun {
    GptConfig cfg = preset(model);
    if (steps < 1) {
      throw new IllegalArgumentException("train: --steps must be >= 1, got " + steps);
    }
    if (dp < 1 || tp < 1) {
      throw new IllegalArgumentException("train: dp and tp must be >= 1, got dp=" + dp + " tp=" + tp);
    }
    checkDivisible("heads", cfg.heads(), tp);
    checkDivisible("d_model", cfg.dModel(), tp);
    checkDivisible("vocab", cfg.vocab(), tp);
    if (sequenceParallel) {
      checkDivisible("seq", cfg.seq(), tp);
    }
    if (batch < 1 || batch % dp != 0) {
      throw new IllegalArgumentException("train: --batch " + batch + " is not divisible by axis dp=" + dp);
    }
    if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
      throw new IllegalArgumentException("train: --lr must be positive, got " + learningRate);
    }
    if (threadsPerRank < 1) {
      throw new IllegalArgumentException("train: threads per rank must be >= 1, got " + threadsPerRank);
    }
  }

  /**
   * The GPTs runs know by name: {@code gpt-mini} (4 layers, 4 heads, d=256, vocab 4096, seq 128) and
   * {@code gpt-tiny} (2 layers, 4 heads, d=64, vocab 512, seq 32), both with a tied LM head and seed 1234.
   */
  public static GptConfig preset(String model) {
    if (model == null) {
      throw new IllegalArgumentException("train: no GPT named (known: gpt-mini, gpt-tiny)");
    }
    return switch (model) {
      case "gpt-mini" -> new GptConfig(4, 4, 256, 4096, 128, true, 1234);
      case "gpt-tiny" -> new GptConfig(2, 4, 64, 512, 32, true, 1234);
      default -> throw new IllegalArgumentException("train: unknown GPT '" + model + "' (known: gpt-mini, gpt-tiny)");
    };
  }

  /** The model's shape. */
  public GptConfig config() {
    return preset(model);
  }

  /** Ranks the mesh needs. */
  public int ranks() {
    return dp * tp;
  }

  /** Steps of linear warmup. */
  public int warmupSteps() {
    return Math.max(1, steps / 10);
  }

  /** Tokens of one optimizer step over all ranks. */
  public long tokensPerStep() {
    return (long) batch * config().seq();
  }

  /** AdamW (betas 0.9/0.95, weight decay 0.1), bucketed reductions of 25 MiB, clipping at 1.0. */
  public GptTrainingOptions options() {
    return new GptTrainingOptions(dp, tp, sequenceParallel, zeroStage, 25L << 20, batch,
        new AdamWOptimizer.Config(learningRate, 0.9f, 0.95f, 1e-8f, 0.1f),
        new WarmupCosineSchedule(learningRate, learningRate / 10, warmupSteps(), steps), 1.0, bf16);
  }

  /** The batches: {@link TextCorpus} of {@link #CORPUS_BYTES} from {@link #CORPUS_SEED}, positions from {@link #BATCH_SEED}. */
  public BatchSource batches() {
    return new TextCorpus(CORPUS_BYTES, CORPUS_SEED).batches(batch, config().seq(), BATCH_SEED);
  }

  /**
   * Trains this rank of the run on {@code world} (every rank of the run calls it; collective): sets the CPU kernel
   * threads, runs every step and reports each to {@code listener} on the calling thread. Fails with
   * {@link IllegalStateException} when the loss stops being finite.
   */
  public RankResult trainRank(Communicator world, StepListener listener) {
    CpuRuntime.setThreads(threadsPerRank);
    BatchSource data = batches();
    float[] losses = new float[steps];
    try (GptTrainer trainer = new GptTrainer(world, config(), options())) {
      long start = System.nanoTime();
      for (int s = 1; s <= steps; s++) {
        float loss = trainer.step(data);
        if (!Float.isFinite(loss)) {
          throw new IllegalStateException("train: loss became " + loss + " at step " + s + "; lower --lr");
        }
        losses[s - 1] = loss;
        double seconds = (System.nanoTime() - start) / 1e9;
        listener.onStep(s, loss, s * tokensPerStep() / seconds);
      }
      MemoryReport m = trainer.memory();
      return new RankResult(world.rank(), trainer.coordinates(), losses, m.parameterBytes(), m.gradientBytes(),
          m.optimizerStateBytes());
    }
  }

  private static void checkDivisible(String what, int value, int axis) {
    if (value % axis != 0) {
      throw new IllegalArgumentException("train: " + what + "=" + value + " is not divisible by axis tp=" + axis);
    }
  }

  /**
   * What one rank of a run returns: its mesh coordinates, the loss of every step (the global loss, the same on every
   * rank) and its memory. Immutable and serializable.
   */
  public record RankResult(int rank, String coordinates, float[] losses, long parameterBytes, long gradientBytes,
      long optimizerStateBytes) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The memory as a report. */
    public MemoryReport memory() {
      return new MemoryReport(parameterBytes, gradientBytes, optimizerStateBytes);
    }
  }

  /** Receives the steps of a rank: {@code step} counts from 1, throughput over all ranks since the start. */
  @FunctionalInterface
  public interface StepListener {
    /** Called after each step on the training thread; must return quickly. */
    void onStep(int step, float loss, double tokensPerSecond);
  }
}
