package dev.shard4j.training;

import dev.shard4j.autograd.Autocast;
import dev.shard4j.autograd.Autograd;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.dp.GradientReducer;
import dev.shard4j.dp.MemoryReport;
import dev.shard4j.dp.ZeroOptimizer;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.optim.GradNorm;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One rank's GPT training on a dp x tp mesh: builds the (tensor-parallel) model, wraps it in bucketed data
 * parallelism or ZeRO, and runs optimizer steps. World rank r is tp rank {@code r % tp} of dp rank {@code r / tp},
 * so tensor-parallel groups are neighbouring ranks, as in Megatron. The same code runs whatever the
 * {@link Communicator} backend: ranks as threads, processes over TCP, or actors.
 *
 * <p>Construct and use it on the rank's own thread, outside any short-lived {@code Scope}; it owns the model, the
 * optimizer state and the sub-communicators and frees them in {@link #close()}.
 */
public final class GptTrainer implements AutoCloseable {
  private final GptTrainingOptions options;
  private final Communicator tpComm;
  private final Communicator dpComm;
  private final Gpt model;
  private final GradientReducer reducer;
  private final AdamWOptimizer adam;
  private final ZeroOptimizer zero;
  private final Function<Parameter, List<Communicator>> alsoShardedOver;
  private long step;

  /** Collective over {@code world} (every rank calls it); {@code world.size()} must equal dp * tp. */
  public GptTrainer(Communicator world, GptConfig config, GptTrainingOptions options) {
    if (world.size() != options.ranks()) {
      throw new IllegalArgumentException("training: mesh dp=" + options.dp() + " x tp=" + options.tp() + " needs "
          + options.ranks() + " ranks, the communicator has " + world.size());
    }
    this.options = options;
    int r = world.rank();
    int tp = options.tp();
    this.tpComm = world.split(r / tp, r);
    this.dpComm = world.split(r % tp, r);
    TensorParallel tpGroup = tp == 1 ? TensorParallel.single() : TensorParallel.of(tpComm, options.sequenceParallel());
    this.model = new Gpt(config, tpGroup);
    List<Communicator> tpList = List.of(tpComm);
    this.alsoShardedOver = p -> tp > 1 && !model.sharding(p).replicated() ? tpList : List.of();
    if (options.zeroStage() == 0) {
      this.reducer = new GradientReducer(model.parameters(), dpComm,
          new GradientReducer.Options(options.bucketBytes(), true));
      this.adam = new AdamWOptimizer(model.parameters(), options.adam());
      this.zero = null;
    } else {
      List<List<Parameter>> blocks = new ArrayList<>();
      model.blocks().forEach(b -> blocks.add(b.parameters()));
      this.zero = new ZeroOptimizer(model.parameters(), blocks, dpComm,
          new ZeroOptimizer.Options(ZeroOptimizer.Stage.values()[options.zeroStage() - 1], options.bucketBytes(), true),
          shards -> new AdamWOptimizer(shards, options.adam()));
      model.setBlockRunner((block, x) -> zero.runBlock(model.blocks().indexOf(block), x, block::forward));
      this.reducer = null;
      this.adam = null;
    }
  }

  /** The rank's model (its tensor-parallel shard). */
  public Gpt model() {
    return model;
  }

  /**
   * Runs one optimizer step on this rank's rows of the global batch and returns the loss averaged over the
   * data-parallel ranks (the global batch's mean loss, identical on every rank).
   */
  public float step(BatchSource data) {
    int per = options.localBatch();
    int dpRank = dpComm.rank();
    float lr = options.schedule().lr(step);
    float loss;
    if (zero == null) {
      adam.setLearningRate(lr);
      reducer.zeroGrad();
      try (Scope scope = Scope.open()) {
        Tensor[] b = data.rows(step, dpRank * per, (dpRank + 1) * per);
        Variable l = forwardBackward(b);
        reducer.finish();
        float scale = 1f;
        if (options.maxGradNorm() > 0) {
          List<GradNorm.Part> parts = new ArrayList<>();
          for (Parameter p : model.parameters()) {
            parts.add(new GradNorm.Part(List.of(p.grad()), alsoShardedOver.apply(p)));
          }
          scale = GradNorm.clipScale(GradNorm.globalNorm(parts), options.maxGradNorm());
        }
        adam.step(scale);
        loss = meanLoss(l);
      }
    } else {
      zero.optimizer().setLearningRate(lr);
      zero.beginStep();
      try (Scope scope = Scope.open()) {
        Tensor[] b = data.rows(step, dpRank * per, (dpRank + 1) * per);
        Variable l = forwardBackward(b);
        zero.finishGradients();
        if (options.maxGradNorm() > 0) {
          zero.clipGradNorm(options.maxGradNorm(), alsoShardedOver);
        }
        zero.step();
        loss = meanLoss(l);
      }
    }
    step++;
    return loss;
  }

  private Variable forwardBackward(Tensor[] batch) {
    try (Autograd.Guard precision = options.mixedPrecision() ? Autocast.bf16() : Autocast.fp32()) {
      Variable l = model.loss(batch[0], batch[1]);
      l.backward();
      return l;
    }
  }

  private float meanLoss(Variable l) {
    Tensor t = l.value().copy();
    dpComm.allReduce(t, ReduceOp.AVG);
    return t.item();
  }

  /** Optimizer steps taken. */
  public long steps() {
    return step;
  }

  /** What this rank holds between steps: parameters, gradients and optimizer state. */
  public MemoryReport memory() {
    return zero != null ? zero.memoryReport() : reducer.memoryReport(adam);
  }

  /** This rank's coordinates, e.g. {@code dp 1/2, tp 0/2}. */
  public String coordinates() {
    return "dp " + dpComm.rank() + "/" + dpComm.size() + ", tp " + tpComm.rank() + "/" + tpComm.size();
  }

  @Override
  public void close() {
    if (zero != null) {
      zero.close();
    }
    if (reducer != null) {
      reducer.close();
    }
    if (adam != null) {
      adam.close();
    }
    model.close();
    dpComm.close();
    tpComm.close();
  }
}
