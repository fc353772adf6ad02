package dev.shard4j.dp;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Data-parallel gradient averaging in the manner of PyTorch's DDP reducer. At construction the parameters' values
 * are broadcast from rank 0 and their gradients become views into one flat buffer per bucket (buckets in reverse
 * registration order, {@link Buckets}). During backward, a bucket's asynchronous all-reduce (average) starts from
 * the grad-ready hooks as soon as all its parameters' gradients are complete, overlapping communication with the rest
 * of backward; {@link #finish()} waits for all of them. With overlap off, all gradients are reduced in one
 * all-reduce after backward (the baseline the overlap is measured against).
 *
 * <p>A step: {@link #zeroGrad()}, forward on the rank's slice of the batch (mean loss over that slice), backward,
 * {@link #finish()}, then the optimizer step on the parameters (whose gradients now hold the mean over all ranks).
 * One synchronised backward pass per step (earlier micro-batches run under {@link #noSync()}); parameters that get
 * no gradient are reduced as zeros in {@link #finish()}.
 *
 * <p>Owns the flat gradient buffers (build it outside any short-lived Scope) and frees them in {@link #close()};
 * the parameters keep views that keep the storage alive. Every rank of {@code dp} must wrap the same parameter list.
 * Used by the rank's thread (the reductions themselves run on the communicator's worker).
 */
public final class GradientReducer implements AutoCloseable {
  /** Bucket size and overlap switch. */
  public record Options(long bucketBytes, boolean overlap) {
    /** 25 MiB buckets with overlap, as DDP. */
    public static Options defaults() {
      return new Options(Buckets.DEFAULT_BUCKET_BYTES, true);
    }
  }

  private final List<Parameter> params;
  private final List<FlatUnit> units = new ArrayList<>();
  private final ReductionSchedule schedule;
  private boolean closed;

  /** Wraps {@code params} (registration order) for data parallelism over {@code dp}. Collective (broadcast). */
  public GradientReducer(List<Parameter> params, Communicator dp, Options options) {
    if (params.isEmpty()) {
      throw new IllegalArgumentException("GradientReducer: no parameters");
    }
    this.params = List.copyOf(params);
    List<List<Parameter>> buckets = options.overlap()
        ? Buckets.reverseOrder(this.params, options.bucketBytes())
        : List.of(reversed(this.params));
    for (List<Parameter> b : buckets) {
      units.add(new FlatUnit(units.size(), b, 0, dp));
    }
    schedule = new ReductionSchedule(units, options.overlap());
  }

  private static List<Parameter> reversed(List<Parameter> ps) {
    List<Parameter> r = new ArrayList<>(ps);
    java.util.Collections.reverse(r);
    return r;
  }

  /** The buckets in launch order, each listing its parameters in flat-buffer order. */
  public List<List<Parameter>> buckets() {
    List<List<Parameter>> out = new ArrayList<>();
    for (FlatUnit u : units) {
      out.add(u.params);
    }
    return out;
  }

  /** Calls {@code listener} with the bucket index each time a bucket's all-reduce is launched (on this thread). */
  public void onBucketLaunched(IntConsumer listener) {
    schedule.addLaunchListener(listener);
  }

  /** Zeroes every gradient (one fill per bucket). */
  public void zeroGrad() {
    for (FlatUnit u : units) {
      u.zeroGrad();
    }
  }

  /**
   * Gradient accumulation: backward passes run while the returned guard is open only accumulate into the buckets
   * (like DDP's {@code no_sync}); run the last micro-batch's backward after closing it, then {@link #finish()}.
   * Scale each micro-batch's loss by 1 / micro-batches to keep mean-loss semantics.
   */
  public SyncGuard noSync() {
    return schedule.noSync();
  }

  /** Launches the buckets not yet launched, waits for every reduction; gradients then hold the mean over ranks. */
  public void finish() {
    schedule.finish();
  }

  /** The wrapped parameters in registration order. */
  public List<Parameter> parameters() {
    return params;
  }

  /** Bytes this rank holds for parameters, gradients and {@code optimizer}'s state: everything is replicated. */
  public MemoryReport memoryReport(Optimizer optimizer) {
    long values = 0;
    long grads = 0;
    for (FlatUnit u : units) {
      values += u.valueBytes();
      grads += u.gradBytes();
    }
    return new MemoryReport(values, grads, optimizer == null ? 0 : optimizer.stateBytes());
  }

  /** Frees the flat buffers (parameters keep their gradient views) and disables the hooks; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      schedule.close();
      units.forEach(FlatUnit::close);
    }
  }
}
