package dev.shard4j.dp;

import dev.shard4j.autograd.Autograd;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.Work;
import dev.shard4j.optim.GradNorm;
import dev.shard4j.optim.Optimizer;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Data parallelism with ZeRO sharding (Rajbhandari et al., 2020) over the {@code dp} group. Parameters are laid out
 * in flat units ({@link FlatUnit}), each padded to a multiple of the group size; rank r owns chunk r of every unit,
 * and the optimizer (built by the factory over one shard parameter per unit) keeps state for those chunks only.
 * <ul>
 *   <li>Stage 1: gradients are all-reduced (bucketed, overlapped with backward); each rank updates its chunk of the
 *       flat parameters and the chunks are all-gathered back into every rank's full parameters.
 *   <li>Stage 2: as stage 1, but each bucket's gradient is reduce-scattered into the rank's shard; the full bucket
 *       gradient lives only until its reduction is done.
 *   <li>Stage 3: parameters are sharded too. Each block (a transformer block, a layer) is one unit; a model runs its
 *       blocks through {@link #runBlock}, which gathers the block's parameters just before it runs and frees them
 *       after; backward re-gathers them, recomputes the block with gradients on, back-propagates, reduce-scatters
 *       the block's gradients (from the grad-ready hooks) and frees the gathered values (FSDP with recomputation).
 *       Parameters outside every block form a root unit that is gathered from {@link #beginStep()} to
 *       {@link #finishGradients()}.
 * </ul>
 * A step: {@link #beginStep()}, forward of the rank's slice of the batch (mean loss), backward,
 * {@link #finishGradients()}, optionally {@link #clipGradNorm}, {@link #step()}.
 *
 * <p>Weight decay applies to every element of a shard alike (one optimizer group). Blocks must be deterministic
 * (their recomputation must equal the first run). One synchronised backward pass per step (earlier micro-batches
 * run under {@link #noSync()}).
 *
 * <p>Owns every flat buffer and the optimizer (build it outside any short-lived Scope); frees them in
 * {@link #close()}. Every rank of {@code dp} must wrap the same parameters and blocks. Used by the rank's thread.
 */
public final class ZeroOptimizer implements AutoCloseable {
  /** Which states are sharded. */
  public enum Stage {
    /** Optimizer state. */
    ONE,
    /** Optimizer state and gradients. */
    TWO,
    /** Optimizer state, gradients and parameters. */
    THREE;

    int number() {
      return ordinal() + 1;
    }
  }

  /** Stage, bucket size (stages 1-2; stage 3 uses one unit per block) and overlap switch. */
  public record Options(Stage stage, long bucketBytes, boolean overlap) {
    /** The stage with 25 MiB buckets and overlap on. */
    public static Options of(Stage stage) {
      return new Options(stage, Buckets.DEFAULT_BUCKET_BYTES, true);
    }
  }

  private final Stage stage;
  private final Communicator dp;
  private final List<Parameter> params;
  private final List<FlatUnit> units = new ArrayList<>();
  private final FlatUnit[] blockUnits;
  private final FlatUnit rootUnit;
  private final ReductionSchedule schedule;
  private final Optimizer optimizer;
  private final Tensor blockToken;
  private float gradScale = 1f;
  private boolean closed;

  /**
   * Wraps {@code params} (registration order). {@code blocks} lists each block's parameters in model order (needed
   * for stage 3, ignored otherwise; may be empty). {@code optimizerFactory} builds the optimizer over the shard
   * parameters. Collective: broadcasts the parameters from rank 0.
   */
  public ZeroOptimizer(List<Parameter> params, List<List<Parameter>> blocks, Communicator dp, Options options,
      Function<List<Parameter>, Optimizer> optimizerFactory) {
    if (params.isEmpty()) {
      throw new IllegalArgumentException("ZeroOptimizer: no parameters");
    }
    this.stage = options.stage();
    this.dp = dp;
    this.params = List.copyOf(params);
    Map<Parameter, Integer> position = new IdentityHashMap<>();
    for (int i = 0; i < this.params.size(); i++) {
      if (position.put(this.params.get(i), i) != null) {
        throw new IllegalArgumentException("ZeroOptimizer: parameter " + this.params.get(i).name()
            + " is listed twice");
      }
    }
    List<List<Parameter>> groups = new ArrayList<>();
    List<Parameter> root = new ArrayList<>();
    if (stage == Stage.THREE) {
      Map<Parameter, Integer> blockOf = new IdentityHashMap<>();
      for (int b = 0; b < blocks.size(); b++) {
        if (blocks.get(b).isEmpty()) {
          throw new IllegalArgumentException("ZeroOptimizer: block " + b + " has no parameters");
        }
        for (Parameter p : blocks.get(b)) {
          if (!position.containsKey(p)) {
            throw new IllegalArgumentException("ZeroOptimizer: block " + b + " parameter " + p.name()
                + " is not in the parameter list");
          }
          if (blockOf.put(p, b) != null) {
            throw new IllegalArgumentException("ZeroOptimizer: parameter " + p.name() + " is in two blocks");
          }
        }
        groups.add(blocks.get(b));
      }
      for (Parameter p : this.params) {
        if (!blockOf.containsKey(p)) {
          root.add(p);
        }
      }
      if (!root.isEmpty()) {
        groups.add(root);
      }
      // Launch order = the order backward completes units: the unit whose earliest parameter comes last goes first.
      groups.sort(Comparator.comparingInt(
          (List<Parameter> g) -> g.stream().mapToInt(position::get).min().orElseThrow()).reversed());
    } else {
      groups.addAll(Buckets.reverseOrder(this.params, options.overlap() ? options.bucketBytes() : Long.MAX_VALUE));
    }
    FlatUnit rootFound = null;
    blockUnits = new FlatUnit[stage == Stage.THREE ? blocks.size() : 0];
    for (List<Parameter> g : groups) {
      FlatUnit u = new FlatUnit(units.size(), g, stage.number(), dp);
      units.add(u);
      if (stage == Stage.THREE) {
        if (g == root) {
          rootFound = u;
        } else {
          blockUnits[blocks.indexOf(g)] = u;
        }
      }
    }
    rootUnit = rootFound;
    schedule = new ReductionSchedule(units, options.overlap());
    List<Parameter> shards = new ArrayList<>();
    for (FlatUnit u : units) {
      shards.add(u.shardParameter());
    }
    optimizer = optimizerFactory.apply(shards);
    blockToken = Tensor.empty(Shape.of(0), params.get(0).value().dtype(), params.get(0).value().device());
  }

  /** The stage. */
  public Stage stage() {
    return stage;
  }

  /** The optimizer over this rank's shards (set its learning rate here). */
  public Optimizer optimizer() {
    return optimizer;
  }

  /** The units (buckets; blocks and the root unit in stage 3) in launch order, each listing its parameters. */
  public List<List<Parameter>> units() {
    List<List<Parameter>> out = new ArrayList<>();
    for (FlatUnit u : units) {
      out.add(u.params);
    }
    return out;
  }

  /** Calls {@code listener} with the unit index each time a unit's reduction is launched (on this thread). */
  public void onUnitLaunched(java.util.function.IntConsumer listener) {
    schedule.addLaunchListener(listener);
  }

  /** Prepares a step: zero gradients (stage 2 allocates bucket gradients); stage 3 gathers the root unit. */
  public void beginStep() {
    checkOpen("beginStep");
    for (FlatUnit u : units) {
      u.zeroGrad();
    }
    if (rootUnit != null) {
      rootUnit.gather();
      rootUnit.allocateFullGrad();
    }
  }

  /**
   * Runs block {@code index} of the model on {@code x}; a model calls it instead of {@code body.apply(x)}. Stages
   * 1-2 run the block directly; stage 3 gathers its parameters around the forward and again around the
   * recomputation in backward.
   */
  public Variable runBlock(int index, Variable x, UnaryOperator<Variable> body) {
    checkOpen("runBlock");
    if (stage != Stage.THREE) {
      return body.apply(x);
    }
    if (index < 0 || index >= blockUnits.length) {
      throw new IllegalArgumentException("ZeroOptimizer.runBlock: block " + index + " is out of range [0, "
          + blockUnits.length + ")");
    }
    FlatUnit u = blockUnits[index];
    if (!Autograd.isEnabled()) {
      u.gather();
      try {
        return body.apply(x);
      } finally {
        u.reshard();
      }
    }
    Tensor y;
    u.gather();
    try (Scope scope = Scope.open(); Autograd.Guard g = Autograd.noGrad()) {
      y = scope.keep(body.apply(x).value());
    } finally {
      u.reshard();
    }
    Variable token = Variable.leaf(blockToken, true);
    return Autograd.record("zero3_block" + index, y, gradOut -> recomputeBackward(u, x, body, gradOut), x, token);
  }

  private Tensor[] recomputeBackward(FlatUnit u, Variable x, UnaryOperator<Variable> body, Tensor gradOut) {
    u.gather();
    u.allocateFullGrad();
    Tensor dx = null;
    try (Scope scope = Scope.open()) {
      Variable in = Variable.leaf(x.value(), x.requiresGrad());
      Variable out;
      try (Autograd.Guard g = Autograd.enableGrad()) {
        out = body.apply(in);
      }
      out.backward(gradOut);
      if (in.grad() != null) {
        dx = scope.keep(in.grad());
      }
    } finally {
      u.reshard();
    }
    return new Tensor[] {dx, null};
  }

  /**
   * Gradient accumulation: backward passes run while the returned guard is open only accumulate into the full
   * gradients of the units (stage 2: the buckets allocated by {@link #beginStep()}; stage 3: each block's, allocated
   * at its first backward and kept), which costs stages 2-3 the full gradient until the last micro-batch, whose
   * backward (guard closed) launches the reductions.
   */
  public SyncGuard noSync() {
    checkOpen("noSync");
    return schedule.noSync();
  }

  /** Waits for every gradient reduction (launching any not yet started); stage 3 frees the root unit's values. */
  public void finishGradients() {
    checkOpen("finishGradients");
    schedule.finish();
    if (rootUnit != null) {
      rootUnit.reshard();
    }
    for (FlatUnit u : units) {
      u.reshard();
    }
  }

  /**
   * The parts of the global gradient norm this rank holds (views the current Scope or the caller owns): the pieces
   * of its gradient shards, grouped by the extra groups that shard each parameter ({@code alsoShardedOver}, e.g. the
   * tensor-parallel group for a split weight, nothing for a replicated layer norm), each part sharded over {@code dp}
   * and those groups. Every rank returns the same sequence of groups, also when its shard holds no element of some
   * group.
   */
  public List<GradNorm.Part> gradNormParts(Function<Parameter, List<Communicator>> alsoShardedOver) {
    Map<List<Communicator>, List<Tensor>> byGroups = new LinkedHashMap<>();
    for (Parameter p : params) {
      byGroups.computeIfAbsent(List.copyOf(alsoShardedOver.apply(p)), k -> new ArrayList<>());
    }
    for (FlatUnit u : units) {
      for (int i = 0; i < u.params.size(); i++) {
        Tensor piece = u.shardPieceOf(i);
        if (piece != null) {
          byGroups.get(List.copyOf(alsoShardedOver.apply(u.params.get(i)))).add(piece);
        }
      }
    }
    List<GradNorm.Part> parts = new ArrayList<>();
    for (Map.Entry<List<Communicator>, List<Tensor>> e : byGroups.entrySet()) {
      List<Communicator> groups = new ArrayList<>();
      groups.add(dp);
      groups.addAll(e.getKey());
      parts.add(new GradNorm.Part(e.getValue(), groups));
    }
    return parts;
  }

  /**
   * Computes the global gradient norm (collective over {@code dp}) and makes the next {@link #step()} scale the
   * gradients down to at most {@code maxNorm}; returns the norm before clipping. For parameters that are also
   * sharded over other groups (tensor parallelism) use {@link #clipGradNorm(double, Function)}.
   */
  public double clipGradNorm(double maxNorm) {
    return clipGradNorm(maxNorm, p -> List.of());
  }

  /** {@link #clipGradNorm(double)} where {@code alsoShardedOver} names the other groups sharding each parameter. */
  public double clipGradNorm(double maxNorm, Function<Parameter, List<Communicator>> alsoShardedOver) {
    checkOpen("clipGradNorm");
    double norm;
    try (Scope scope = Scope.open()) {
      norm = GradNorm.globalNorm(gradNormParts(alsoShardedOver));
    }
    gradScale = GradNorm.clipScale(norm, maxNorm);
    return norm;
  }

  /** Updates this rank's shards; stages 1-2 then all-gather the full parameters. */
  public void step() {
    checkOpen("step");
    optimizer.step(gradScale);
    gradScale = 1f;
    if (stage != Stage.THREE) {
      List<Work> works = new ArrayList<>(units.size());
      for (FlatUnit u : units) {
        works.add(u.allGatherValuesAsync());
      }
      works.forEach(Work::await);
    }
  }

  /**
   * Copies of every parameter's full value in registration order; the caller owns them. Collective in stage 3
   * (gathers each unit).
   */
  public List<Tensor> gatherParameters() {
    checkOpen("gatherParameters");
    Map<Parameter, Tensor> byParam = new IdentityHashMap<>();
    for (FlatUnit u : units) {
      List<Tensor> copies = u.copyFullValues();
      for (int i = 0; i < u.params.size(); i++) {
        byParam.put(u.params.get(i), copies.get(i));
      }
    }
    List<Tensor> out = new ArrayList<>(params.size());
    for (Parameter p : params) {
      out.add(byParam.get(p));
    }
    return out;
  }

  /** Bytes this rank holds between steps for parameters, gradients and optimizer state. */
  public MemoryReport memoryReport() {
    long values = 0;
    long grads = 0;
    for (FlatUnit u : units) {
      values += u.valueBytes();
      grads += u.gradBytes();
    }
    return new MemoryReport(values, grads, optimizer.stateBytes());
  }

  private void checkOpen(String op) {
    if (closed) {
      throw new IllegalStateException("ZeroOptimizer." + op + ": closed");
    }
  }

  /**
   * Frees the optimizer and every flat buffer and disables the hooks; idempotent. Stages 1-2 leave the parameters
   * holding views of their final values; stage 3 leaves placeholders (use {@link #gatherParameters()} first).
   */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      schedule.close();
      optimizer.close();
      units.forEach(FlatUnit::close);
      blockToken.close();
    }
  }
}
