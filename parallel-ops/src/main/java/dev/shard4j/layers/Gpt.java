package dev.shard4j.layers;

import dev.shard4j.autograd.Checkpoint;
import dev.shard4j.autograd.LinearFunctions;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.PointwiseFunctions;
import dev.shard4j.autograd.ShapeFunctions;
import dev.shard4j.autograd.Variable;
import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import dev.shard4j.tensorparallel.VocabParallelCrossEntropy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A GPT-2 language model: token embedding (vocab-parallel) + position embedding, N pre-LN transformer blocks, a final
 * layer norm, an LM head (tied to the token embedding or its own weight, vocab-parallel) and the mean cross-entropy
 * (vocab-parallel: full logits are never gathered). The same class runs on one device ({@link TensorParallel#single()})
 * and Megatron-style over a tensor-parallel group, with or without sequence parallelism; sizes that the group does
 * not divide are rejected when the model is built.
 *
 * <p>Activations are sequence-major (T, B, C). Parameters are created from (seed, name) so every sharding holds
 * slices of the same numbers; {@link #parameters()} lists them in a fixed order. The model owns its parameters
 * (close it to free them); build it outside any short-lived {@code Scope}; tensors made by {@link #loss} belong to
 * the caller's scope. One rank's thread.
 */
public final class Gpt extends Module {
  private final GptConfig config;
  private final VocabParallelEmbedding wte;
  private final Embedding wpe;
  private final List<TransformerBlock> blocks = new ArrayList<>();
  private final LayerNorm lnF;
  private final Parameter lmHead;
  private final boolean[] checkpointed;
  private BlockRunner blockRunner = TransformerBlock::forward;

  /** A model on the CPU. */
  public Gpt(GptConfig config, TensorParallel tp) {
    this(config, tp, Device.CPU);
  }

  /** A model for the group {@code tp} on {@code device}. */
  public Gpt(GptConfig config, TensorParallel tp, Device device) {
    super(new ParameterFactory(checkDivisible(config, tp), config.seed(), device), "");
    this.config = config;
    float std = GptConfig.INIT_STD;
    wte = child(new VocabParallelEmbedding(factory, "wte", config.vocab(), config.dModel(), std));
    wpe = child(new Embedding(factory, "wpe", config.seq(), config.dModel(), std));
    for (int i = 0; i < config.layers(); i++) {
      blocks.add(child(new TransformerBlock(factory, "blocks." + i, config)));
    }
    lnF = child(new LayerNorm(factory, "ln_f", config.dModel(), GptConfig.LN_EPS));
    lmHead = config.tiedLmHead() ? wte.weight()
        : parameter("lm_head.weight", Shape.of(config.vocab(), config.dModel()), ParameterInit.normal(std),
            ParameterSharding.split(0));
    checkpointed = new boolean[config.layers()];
  }

  private static TensorParallel checkDivisible(GptConfig c, TensorParallel tp) {
    tp.requireDivisible("heads", c.heads());
    tp.requireDivisible("dModel", c.dModel());
    tp.requireDivisible("4*dModel", 4L * c.dModel());
    tp.requireDivisible("vocab", c.vocab());
    if (tp.sequenceParallel()) {
      tp.requireDivisible("seq", c.seq());
    }
    return tp;
  }

  /** The configuration. */
  public GptConfig config() {
    return config;
  }

  /** The blocks, in order (unmodifiable). */
  public List<TransformerBlock> blocks() {
    return Collections.unmodifiableList(blocks);
  }

  /** Replaces how blocks are run (e.g. to gather sharded parameters around each block). */
  public void setBlockRunner(BlockRunner runner) {
    if (runner == null) {
      throw new IllegalArgumentException("setBlockRunner: runner is null");
    }
    this.blockRunner = runner;
  }

  /** Recomputes block {@code index} during the backward pass instead of keeping its activations. */
  public void setCheckpointed(int index, boolean on) {
    if (index < 0 || index >= checkpointed.length) {
      throw new IllegalArgumentException("setCheckpointed: block " + index + " out of [0, " + checkpointed.length
          + ")");
    }
    checkpointed[index] = on;
  }

  /** {@link #setCheckpointed} for every block. */
  public void setCheckpointedAll(boolean on) {
    java.util.Arrays.fill(checkpointed, on);
  }

  /**
   * The mean next-token cross-entropy for {@code ids} and {@code targets}, both (B, T) I32 with T <= seq (targets
   * equal to {@code CrossEntropy.IGNORE_INDEX} are skipped): a one-element variable, equal on every rank of the
   * group. Call {@code backward()} on it to accumulate parameter gradients.
   */
  public Variable loss(Tensor ids, Tensor targets) {
    if (ids.rank() != 2 || !ids.shape().equals(targets.shape()) || ids.dtype() != DType.I32
        || targets.dtype() != DType.I32) {
      throw new IllegalArgumentException("Gpt.loss: ids " + ids.describe() + " and targets " + targets.describe()
          + " must both be (B, T) i32");
    }
    long batch = ids.dim(0);
    long t = ids.dim(1);
    if (t > config.seq()) {
      throw new IllegalArgumentException("Gpt.loss: sequence length " + t + " exceeds seq=" + config.seq());
    }
    TensorParallel tp = tensorParallel();
    Tensor idsT = TensorOps.transposeLast2(ids);
    Tensor targetsT = TensorOps.transposeLast2(targets).reshape(t * batch);
    Variable x = PointwiseFunctions.add(wte.forward(idsT), wpe.forward(positions(tp, t, batch, ids.device())));
    for (int i = 0; i < blocks.size(); i++) {
      TransformerBlock block = blocks.get(i);
      x = checkpointed[i]
          ? Checkpoint.apply("checkpoint(" + block.name() + ")", y -> blockRunner.run(block, y), x, true)
          : blockRunner.run(block, x);
    }
    x = lnF.forward(x);
    Variable logits = LinearFunctions.linear(tp.enterRegion(x), lmHead, null);
    long localVocab = logits.value().dim(-1);
    Variable flat = ShapeFunctions.reshape(logits, t * batch, localVocab);
    return VocabParallelCrossEntropy.apply(tp, flat, targetsT, wte.vocabStart());
  }

  /** Position ids (T_local, B) of this rank's sequence shard. */
  private static Tensor positions(TensorParallel tp, long t, long batch, Device device) {
    long start = tp.sequenceStart(t);
    int local = (int) tp.localSequence(t);
    int[] pos = new int[(int) (local * batch)];
    for (int i = 0; i < local; i++) {
      java.util.Arrays.fill(pos, (int) (i * batch), (int) ((i + 1) * batch), (int) (start + i));
    }
    Tensor host = Tensor.fromIntArray(pos, local, batch);
    return device.isCpu() ? host : host.to(device);
  }

  /** The token embedding (this rank's rows). */
  public Parameter tokenEmbedding() {
    return wte.weight();
  }

  /** The LM head weight: the token embedding when tied. */
  public Parameter lmHeadWeight() {
    return lmHead;
  }
}
