package dev.shard4j.pipeline;

import dev.shard4j.autograd.LinearFunctions;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.PointwiseFunctions;
import dev.shard4j.autograd.ShapeFunctions;
import dev.shard4j.autograd.Variable;
import dev.shard4j.layers.Embedding;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.layers.LayerNorm;
import dev.shard4j.layers.Module;
import dev.shard4j.layers.ParameterFactory;
import dev.shard4j.layers.ParameterInit;
import dev.shard4j.layers.ParameterSharding;
import dev.shard4j.layers.TransformerBlock;
import dev.shard4j.layers.VocabParallelEmbedding;
import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import dev.shard4j.tensorparallel.VocabParallelCrossEntropy;
import java.util.ArrayList;
import java.util.List;

/**
 * The layers of one virtual pipeline stage of a {@link dev.shard4j.layers.Gpt}: optionally the embeddings, a run of
 * blocks, optionally the final norm, LM head and loss. Parameters come from the same (seed, name) as in the whole
 * model, so a stage holds exactly the numbers the single-device model has for those layers. With a tied head on a
 * stage without the embedding, the stage holds its own copy of {@code wte.weight} whose gradient the trainer sums
 * with the embedding stage's. Owns its parameters (close it); one rank's thread at a time.
 */
public final class GptStage extends Module {
  private final GptConfig config;
  private final VocabParallelEmbedding wte;
  private final Embedding wpe;
  private final List<TransformerBlock> blocks = new ArrayList<>();
  private final LayerNorm lnF;
  private final Parameter lmHead;
  private final VocabParallelEmbedding headEmbedding;

  /** Virtual stage {@code stage} of {@code map} for the tensor-parallel group {@code tp} on {@code device}. */
  public GptStage(GptConfig config, StageMap map, int stage, TensorParallel tp, Device device) {
    super(new ParameterFactory(tp, config.seed(), device), "");
    tp.requireDivisible("heads", config.heads());
    tp.requireDivisible("dModel", config.dModel());
    tp.requireDivisible("vocab", config.vocab());
    if (tp.sequenceParallel()) {
      tp.requireDivisible("seq", config.seq());
    }
    this.config = config;
    float std = GptConfig.INIT_STD;
    boolean embedding = map.hasEmbedding(stage);
    wte = embedding ? child(new VocabParallelEmbedding(factory, "wte", config.vocab(), config.dModel(), std)) : null;
    wpe = embedding ? child(new Embedding(factory, "wpe", config.seq(), config.dModel(), std)) : null;
    for (int i = map.firstBlock(stage); i < map.endBlock(stage); i++) {
      blocks.add(child(new TransformerBlock(factory, "blocks." + i, config)));
    }
    if (map.hasHead(stage)) {
      lnF = child(new LayerNorm(factory, "ln_f", config.dModel(), GptConfig.LN_EPS));
      if (config.tiedLmHead()) {
        headEmbedding = embedding ? wte
            : child(new VocabParallelEmbedding(factory, "wte", config.vocab(), config.dModel(), std));
        lmHead = headEmbedding.weight();
      } else {
        headEmbedding = null;
        lmHead = parameter("lm_head.weight", Shape.of(config.vocab(), config.dModel()), ParameterInit.normal(std),
            ParameterSharding.split(0));
      }
    } else {
      lnF = null;
      lmHead = null;
      headEmbedding = null;
    }
  }

  /** The model configuration. */
  public GptConfig config() {
    return config;
  }

  /** Whether this stage starts with the embeddings (its input is token ids). */
  public boolean hasEmbedding() {
    return wte != null;
  }

  /** Whether this stage ends with the loss. */
  public boolean hasHead() {
    return lnF != null;
  }

  /** The token embedding weight if this stage has the embedding, else null. */
  public Parameter embeddingWeight() {
    return wte == null ? null : wte.weight();
  }

  /** The tied copy of the token embedding used as LM head on a stage without the embedding, else null. */
  public Parameter tiedHeadCopy() {
    return headEmbedding == null || headEmbedding == wte ? null : headEmbedding.weight();
  }

  /**
   * Runs the stage: {@code x} is the incoming activation (T_local, B, C) (null on the embedding stage, which reads
   * {@code ids} (B, T) i32); returns the outgoing activation, or on the head stage the mean cross-entropy against
   * {@code targets} (B, T) i32. Tensors made belong to the caller's scope.
   */
  public Variable forward(Variable x, Tensor ids, Tensor targets) {
    TensorParallel tp = tensorParallel();
    long batch = ids.dim(0);
    long t = ids.dim(1);
    if (wte != null) {
      Tensor idsT = TensorOps.transposeLast2(ids);
      x = PointwiseFunctions.add(wte.forward(idsT), wpe.forward(positions(tp, t, batch, ids.device())));
    } else if (x == null) {
      throw new IllegalArgumentException("GptStage.forward: a stage without the embedding needs an input activation");
    }
    for (TransformerBlock block : blocks) {
      x = block.forward(x);
    }
    if (lnF == null) {
      return x;
    }
    x = lnF.forward(x);
    Variable logits = LinearFunctions.linear(tp.enterRegion(x), lmHead, null);
    Variable flat = ShapeFunctions.reshape(logits, t * batch, logits.value().dim(-1));
    Tensor targetsT = TensorOps.transposeLast2(targets).reshape(t * batch);
    long vocabStart = tp.rank() * (config.vocab() / tp.size());
    return VocabParallelCrossEntropy.apply(tp, flat, targetsT, vocabStart);
  }

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
}
