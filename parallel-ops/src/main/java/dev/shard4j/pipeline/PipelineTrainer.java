package dev.shard4j.pipeline;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.optim.GradNorm;
import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains a GPT with pipeline parallelism on one rank of a {@link PipelineMesh}: builds this rank's model chunks, its
 * communicators and an {@link PipelineExecutor}, and runs one schedule per {@link #step}. Gradients are accumulated
 * over the micro-batches, averaged over data-parallel ranks, the tied embedding's two copies (first and last stage)
 * get the sum of both gradients, the global gradient norm is taken over all stages, and AdamW updates every chunk.
 * Bad configurations fail in the constructor. Construction and every step are collective over the world; owns
 * its model chunks, optimizer and communicators (close it); one rank's thread.
 */
public final class PipelineTrainer implements AutoCloseable {
  private final PipelineConfig config;
  private final Schedule schedule;
  private final PipelineGroups groups;
  private final List<GptStage> chunks = new ArrayList<>();
  private final List<Parameter> parameters = new ArrayList<>();
  private final AdamWOptimizer optimizer;
  private final PipelineExecutor executor;
  private final TensorParallel tp;
  private int steps;

  /** Rank {@code world.rank()}'s trainer; {@code world} has {@code config.mesh().worldSize()} ranks (not owned). */
  public PipelineTrainer(Communicator world, PipelineConfig config) {
    this(world, config, Device.CPU);
  }

  /** A trainer whose chunks live on {@code device}. */
  public PipelineTrainer(Communicator world, PipelineConfig config, Device device) {
    PipelineConfig.Plan plan = config.validate();
    this.config = config;
    this.schedule = plan.schedule();
    this.groups = new PipelineGroups(world, config.mesh(), schedule.virtualStages());
    StageShape shape = groups.shape();
    tp = shape.tp() == 1 ? TensorParallel.single()
        : TensorParallel.of(groups.tensorParallel(), shape.sequenceParallel());
    try {
      for (int c = 0; c < schedule.chunks(); c++) {
        GptStage s = new GptStage(config.model(), plan.stageMap(), schedule.virtualStage(groups.stage(), c), tp,
            device);
        chunks.add(s);
        parameters.addAll(s.parameters());
      }
      optimizer = new AdamWOptimizer(parameters, config.adam());
      executor = new PipelineExecutor(schedule, chunks, groups, world.rank(), new Hooks(), device);
    } catch (RuntimeException e) {
      chunks.forEach(GptStage::close);
      groups.close();
      throw e;
    }
  }

  /** The schedule this trainer runs. */
  public Schedule schedule() {
    return schedule;
  }

  /** This rank's model chunks (owned by the trainer). */
  public List<GptStage> chunks() {
    return List.copyOf(chunks);
  }

  /** The executor (its trace and memory peaks). */
  public PipelineExecutor executor() {
    return executor;
  }

  /** This rank's communicators. */
  public PipelineGroups groups() {
    return groups;
  }

  /**
   * One training step on the global batch {@code ids}, {@code targets} ((batch, T) i32, the same on every rank;
   * the caller owns them): returns the mean loss over the batch, on every rank.
   */
  public float step(Tensor ids, Tensor targets) {
    if (ids.dim(0) != config.batch() || !ids.shape().equals(targets.shape())) {
      throw new IllegalArgumentException("PipelineTrainer.step: ids " + ids.describe() + " and targets "
          + targets.describe() + " must both be (" + config.batch() + ", T)");
    }
    int m = schedule.microBatches();
    int dpSize = groups.shape().dp();
    int rows = config.batch() / dpSize / m;
    int dpRank = groups.dataParallel().rank();
    for (GptStage s : chunks) {
      s.zeroGrad();
    }
    float loss;
    try (Scope scope = Scope.open()) {
      Tensor[] mbIds = new Tensor[m];
      Tensor[] mbTargets = new Tensor[m];
      for (int mb = 0; mb < m; mb++) {
        // micro-batch mb is global rows [mb*B/m, (mb+1)*B/m), split over the stage's data-parallel ranks, so stages
        // of different dp agree on which rows a micro-batch holds
        long from = (long) mb * (config.batch() / m) + (long) dpRank * rows;
        mbIds[mb] = TensorOps.slice(ids, 0, from, from + rows);
        mbTargets[mb] = TensorOps.slice(targets, 0, from, from + rows);
      }
      double local = executor.runStep(steps, mbIds, mbTargets);
      // each head-stage data-parallel rank (tp rank 0) contributes its rows' share of the mean
      boolean contributes = groups.tensorParallel().rank() == 0 && chunks.stream().anyMatch(GptStage::hasHead);
      Tensor l = Tensor.fromArray(new float[] {contributes ? (float) (local / dpSize) : 0f}, 1);
      groups.world().allReduce(l, ReduceOp.SUM);
      loss = l.item();
    }
    steps++;
    return loss;
  }

  /** Number of steps taken. */
  public int steps() {
    return steps;
  }

  private final class Hooks implements PipelineExecutor.StepHooks {
    @Override
    public void reduceGradients() {
      // Each head rank back-propagates the mean over its own rows, so a stage's gradient is the sum over its
      // data-parallel ranks divided by the head stage's dp (the average when the two stages have the same dp).
      Communicator dp = groups.dataParallel();
      PipelineMesh mesh = config.mesh();
      int headDp = mesh.stage(mesh.pp() - 1).dp();
      for (Parameter p : parameters) {
        if (dp.size() == headDp) {
          if (dp.size() > 1) {
            dp.allReduce(p.grad(), ReduceOp.AVG);
          }
        } else {
          dp.allReduce(p.grad(), ReduceOp.SUM);
          Elementwise.scale(p.grad(), p.grad(), 1f / headDp);
        }
      }
      Communicator tied = groups.tiedEmbedding();
      if (tied != null && config.model().tiedLmHead()) {
        for (GptStage s : chunks) {
          Parameter copy = groups.stage() == 0 ? s.embeddingWeight() : s.tiedHeadCopy();
          if (copy != null) {
            tied.allReduce(copy.grad(), ReduceOp.SUM);
          }
        }
      }
    }

    @Override
    public void optimizerStep() {
      float scale = 1f;
      if (config.maxGradNorm() > 0) {
        List<Tensor> sharded = new ArrayList<>();
        List<Tensor> replicated = new ArrayList<>();
        for (GptStage s : chunks) {
          for (Parameter p : s.parameters()) {
            if (p == s.tiedHeadCopy()) {
              continue;
            }
            (tp.size() > 1 && !s.sharding(p).replicated() ? sharded : replicated).add(p.grad());
          }
        }
        List<GradNorm.Part> parts = new ArrayList<>();
        parts.add(GradNorm.Part.replicated(replicated));
        if (tp.size() > 1) {
          parts.add(GradNorm.Part.sharded(sharded, groups.tensorParallel()));
        }
        double stageNorm = GradNorm.globalNorm(parts);
        // after the data-parallel reduction every rank of a stage has the stage's norm; local rank 0 counts it
        double own = groups.localRank() == 0 ? stageNorm * stageNorm : 0;
        try (Tensor sq = Tensor.fromArray(new float[] {(float) own}, 1)) {
          groups.world().allReduce(sq, ReduceOp.SUM);
          scale = GradNorm.clipScale(Math.sqrt(sq.item()), config.maxGradNorm());
        }
      }
      if (config.learningRates() != null) {
        optimizer.setLearningRate(config.learningRates().lr(steps));
      }
      optimizer.step(scale);
    }
  }

  @Override
  public void close() {
    executor.close();
    optimizer.close();
    chunks.forEach(GptStage::close);
    groups.close();
  }
}
