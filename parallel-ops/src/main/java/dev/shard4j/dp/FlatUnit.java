package dev.shard4j.dp;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.Work;
import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A group of parameters laid out back to back in one flat buffer (a DDP bucket, an FSDP flat parameter): the
 * parameters' values and gradients become views into flat tensors, so one collective moves the whole group.
 *
 * <p>Stage 0 (plain data parallel): parameters keep their values; the flat gradient is all-reduced. Stages 1-3 pad
 * the flat length to a multiple of the group size and give rank r chunk r (its shard): stage 1 keeps full values
 * and full gradients (all-reduced); stage 2 keeps full values and reduce-scatters gradients into a shard-sized
 * buffer, the full gradient living only from {@link #allocateFullGrad()} to {@link #releaseFullGrad()}; stage 3 also
 * keeps only the value shard and gathers full values between {@link #gather()} and {@link #reshard()}.
 *
 * <p>Owns every buffer it creates; build it outside any short-lived Scope. Used by one rank's thread.
 */
final class FlatUnit implements AutoCloseable {
  final int index;
  final List<Parameter> params;
  final long[] offsets;
  private final Shape[] dims;
  final long numel;
  final long paddedNumel;
  final long shardNumel;
  private final int stage;
  private final Communicator dp;
  private final DType dtype;
  private final Device device;

  private Tensor fullValue;
  private Tensor shardValue;
  private Tensor fullGrad;
  private Tensor shardGrad;
  private Parameter shardParam;
  private int pending;
  private Work work;
  private boolean closed;

  FlatUnit(int index, List<Parameter> params, int stage, Communicator dp) {
    if (params.isEmpty()) {
      throw new IllegalArgumentException("FlatUnit " + index + ": no parameters");
    }
    this.index = index;
    this.params = List.copyOf(params);
    this.stage = stage;
    this.dp = dp;
    Tensor first = params.get(0).value();
    this.dtype = first.dtype();
    this.device = first.device();
    this.offsets = new long[params.size()];
    this.dims = new Shape[params.size()];
    long n = 0;
    for (int i = 0; i < params.size(); i++) {
      Tensor v = params.get(i).value();
      if (v.dtype() != DType.F32 || !v.device().equals(device)) {
        throw new IllegalArgumentException("FlatUnit: parameters must be f32 on one device; " + params.get(i)
            + " differs from " + params.get(0));
      }
      offsets[i] = n;
      dims[i] = v.shape();
      n += v.numel();
    }
    this.numel = n;
    int world = stage == 0 ? 1 : dp.size();
    this.paddedNumel = (n + world - 1) / world * world;
    this.shardNumel = paddedNumel / world;
    this.pending = params.size();
    if (stage == 0) {
      for (Parameter p : params) {
        dp.broadcast(p.value(), 0);
      }
      fullGrad = Tensor.zeros(Shape.of(numel), dtype, device);
      bindGrads(fullGrad);
      return;
    }
    Tensor full = Tensor.zeros(Shape.of(paddedNumel), dtype, device);
    for (int i = 0; i < params.size(); i++) {
      try (Tensor dst = view(full, i)) {
        dst.copyFrom(params.get(i).value());
      }
    }
    dp.broadcast(full, 0);
    long start = dp.rank() * shardNumel;
    if (stage == 3) {
      try (Tensor chunk = full.slice(0, start, start + shardNumel)) {
        shardValue = chunk.copy();
      }
      full.close();
      unbindValues();
      shardGrad = Tensor.zeros(Shape.of(shardNumel), dtype, device);
      releaseParamGrads();
    } else {
      fullValue = full;
      bindValues(full);
      shardValue = full.slice(0, start, start + shardNumel);
      if (stage == 1) {
        fullGrad = Tensor.zeros(Shape.of(paddedNumel), dtype, device);
        bindGrads(fullGrad);
        shardGrad = fullGrad.slice(0, start, start + shardNumel);
      } else {
        shardGrad = Tensor.zeros(Shape.of(shardNumel), dtype, device);
        releaseParamGrads();
      }
    }
    shardParam = new Parameter("unit" + index + ".shard" + dp.rank(), shardValue);
    Tensor allocated = shardParam.swapGrad(shardGrad);
    allocated.close();
  }

  /** The rank's shard as a parameter for the optimizer (value and gradient are the shard buffers); null in stage 0. */
  Parameter shardParameter() {
    return shardParam;
  }

  Tensor shardGrad() {
    return shardGrad;
  }

  /**
   * The part of the shard gradient that holds elements of parameter {@code i} (a new view the current Scope or the
   * caller owns), or null when the rank's chunk holds none of them.
   */
  Tensor shardPieceOf(int i) {
    long start = stage == 0 ? 0 : dp.rank() * shardNumel;
    long end = stage == 0 ? numel : start + shardNumel;
    long from = Math.max(start, offsets[i]);
    long to = Math.min(end, offsets[i] + dims[i].numel());
    if (from >= to) {
      return null;
    }
    return (stage == 0 ? fullGrad : shardGrad).slice(0, from - start, to - start);
  }

  /** The full flat gradient (stages 0 and 1; stages 2-3 between allocation and release), else null. */
  Tensor fullGrad() {
    return fullGrad;
  }

  /**
   * Zeroes the gradients for the next backward pass; stage 2 (re)allocates the full gradient, stage 3 leaves that to
   * {@link #allocateFullGrad()} just before the unit's backward.
   */
  void zeroGrad() {
    if (stage == 3) {
      if (fullGrad != null) {
        TensorOps.fill(fullGrad, 0f);
      }
    } else if (stage == 2) {
      if (fullGrad == null) {
        allocateFullGrad();
      } else {
        TensorOps.fill(fullGrad, 0f);
      }
      TensorOps.fill(shardGrad, 0f);
    } else {
      TensorOps.fill(fullGrad, 0f);
    }
  }

  /** Stages 2-3: a zero full gradient that the parameters accumulate into. */
  void allocateFullGrad() {
    if (fullGrad == null) {
      fullGrad = Tensor.zeros(Shape.of(paddedNumel), dtype, device);
      bindGrads(fullGrad);
    }
  }

  /** Stages 2-3: frees the full gradient once its reduce-scatter is done. */
  void releaseFullGrad() {
    if (stage >= 2 && fullGrad != null) {
      releaseParamGrads();
      fullGrad.close();
      fullGrad = null;
    }
  }

  /** Counts one parameter's gradient as complete; true when it was the last one of this unit. */
  boolean markReady(Parameter p) {
    if (pending == 0) {
      throw new IllegalStateException("gradient of " + p.name() + " became ready twice in one step (unit " + index
          + "); run the backward passes of all but the last micro-batch under noSync()");
    }
    return --pending == 0;
  }

  /** Starts the asynchronous reduction: all-reduce (stages 0-1) or reduce-scatter (stages 2-3), both averaging. */
  void launch() {
    if (work != null) {
      throw new IllegalStateException("unit " + index + ": reduction already launched");
    }
    if (fullGrad == null) {
      allocateFullGrad(); // a stage-3 block that did not run this step contributes zeros
    }
    work = stage <= 1 ? dp.allReduceAsync(fullGrad, ReduceOp.AVG)
        : dp.reduceScatterAsync(fullGrad, shardGrad, ReduceOp.AVG);
  }

  /** True when the launched reduction has finished (it throws its failure). */
  boolean reductionDone() {
    if (work == null || !work.isDone()) {
      return false;
    }
    work.await();
    return true;
  }

  /** Waits for the reduction and resets the ready count for the next step. */
  void awaitAndReset() {
    if (work != null) {
      work.await();
      work = null;
    }
    pending = params.size();
  }

  /** Stage 3: all-gathers the full values and points the parameters at them. */
  void gather() {
    if (stage != 3) {
      throw new IllegalStateException("FlatUnit.gather: only stage 3 shards parameter values, this is stage " + stage);
    }
    if (fullValue != null) {
      return;
    }
    fullValue = Tensor.empty(Shape.of(paddedNumel), dtype, device);
    dp.allGather(shardValue, fullValue);
    bindValues(fullValue);
  }

  /** Stage 3: frees the gathered values; the parameters hold empty placeholders until the next gather. */
  void reshard() {
    if (stage == 3 && fullValue != null) {
      unbindValues();
      fullValue.close();
      fullValue = null;
    }
  }

  /** Stages 1-2: all-gathers the updated shards into the full values, asynchronously. */
  Work allGatherValuesAsync() {
    return dp.allGatherAsync(shardValue, fullValue);
  }

  /** Bytes held between steps for values and gradients (this rank). */
  long valueBytes() {
    return (stage == 0 ? numel : stage == 3 ? shardNumel : paddedNumel) * dtype.byteSize();
  }

  long gradBytes() {
    return (stage <= 1 ? (stage == 0 ? numel : paddedNumel) : shardNumel) * dtype.byteSize();
  }

  /** Copies of the full values, one per parameter in order (caller owns them); stage 3 gathers. Collective. */
  List<Tensor> copyFullValues() {
    boolean gathered = false;
    if (stage == 3 && fullValue == null) {
      gather();
      gathered = true;
    }
    List<Tensor> out = new ArrayList<>(params.size());
    for (Parameter p : params) {
      out.add(p.value().copy());
    }
    if (gathered) {
      reshard();
    }
    return out;
  }

  /** A view of parameter i's elements of {@code flat}, in the parameter's shape; the caller closes it. */
  private Tensor view(Tensor flat, int i) {
    try (Tensor s = flat.slice(0, offsets[i], offsets[i] + dims[i].numel())) {
      return s.reshape(dims[i].toArray());
    }
  }

  private void bindValues(Tensor flat) {
    for (int i = 0; i < params.size(); i++) {
      params.get(i).swapValue(view(flat, i)).close();
    }
  }

  private void unbindValues() {
    for (Parameter p : params) {
      p.swapValue(Tensor.empty(Shape.of(0), dtype, device)).close();
    }
  }

  private void bindGrads(Tensor flat) {
    for (int i = 0; i < params.size(); i++) {
      Parameter p = params.get(i);
      Tensor old = p.swapGrad(view(flat, i));
      if (old != null) {
        old.close();
      }
    }
  }

  private void releaseParamGrads() {
    for (Parameter p : params) {
      Tensor old = p.swapGrad(null);
      if (old != null) {
        old.close();
      }
    }
  }

  /** Frees the buffers; parameters keep views (stages 0-2, which keep the storage alive) or placeholders (stage 3). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (work != null && !work.isDone()) {
      work.await();
    }
    if (shardParam != null) {
      shardParam.close();
    }
    for (Tensor t : new Tensor[] {fullValue, shardValue, fullGrad, shardGrad}) {
      if (t != null) {
        t.close();
      }
    }
  }
}
