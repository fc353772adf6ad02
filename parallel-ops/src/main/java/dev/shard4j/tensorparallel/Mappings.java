package dev.shard4j.tensorparallel;

import dev.shard4j.autograd.Autograd;
import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Tensor-parallel region mappings (Megatron-LM {@code mappings.py}) as differentiable operations, each a
 * forward/backward pair named for what it does to a region; all are the identity at group size 1 and issue no
 * collective. Activations are (rows, C) with sequence-major rows, so "sequence" means axis 0 and "hidden" means the
 * last axis.
 *
 * <pre>
 * copyToRegion            fwd identity          bwd all-reduce(sum)
 * reduceFromRegion        fwd all-reduce(sum)   bwd identity
 * scatterToRegion         fwd keep own chunk    bwd all-gather     (last axis)
 * gatherFromRegion        fwd all-gather        bwd keep own chunk (last axis)
 * allGatherSequence       fwd all-gather        bwd reduce-scatter (axis 0)
 * reduceScatterSequence   fwd reduce-scatter    bwd all-gather     (axis 0)
 * scatterToSequence       fwd keep own chunk    bwd all-gather     (axis 0)
 * </pre>
 *
 * Results belong to the current {@code Scope}; call on the rank's thread, in the same order on every rank.
 */
public final class Mappings {
  private Mappings() {}

  /** Forward identity, backward all-reduce: the input of a column-parallel op. */
  public static Variable copyToRegion(TensorParallel tp, Variable x) {
    if (!tp.active()) {
      return x;
    }
    return Autograd.record("copy_to_region", x.value(), g -> new Tensor[] {allReduce(tp, g)}, x);
  }

  /** Forward all-reduce, backward identity: the output of a row-parallel op. */
  public static Variable reduceFromRegion(TensorParallel tp, Variable x) {
    if (!tp.active()) {
      return x;
    }
    return Autograd.record("reduce_from_region", allReduce(tp, x.value()), g -> new Tensor[] {g}, x);
  }

  /** Forward keeps this rank's chunk of the last axis, backward all-gathers the gradient along it. */
  public static Variable scatterToRegion(TensorParallel tp, Variable x) {
    if (!tp.active()) {
      return x;
    }
    return Autograd.record("scatter_to_region", splitLast(tp, x.value()),
        g -> new Tensor[] {gatherLast(tp, g)}, x);
  }

  /** Forward all-gathers along the last axis, backward keeps this rank's chunk of the gradient. */
  public static Variable gatherFromRegion(TensorParallel tp, Variable x) {
    if (!tp.active()) {
      return x;
    }
    return Autograd.record("gather_from_region", gatherLast(tp, x.value()),
        g -> new Tensor[] {splitLast(tp, g)}, x);
  }

  /** Forward all-gathers sequence shards along axis 0, backward reduce-scatters the gradient. */
  public static Variable allGatherSequence(TensorParallel tp, Variable x) {
    if (!tp.active()) {
      return x;
    }
    return Autograd.record("all_gather_sequence", gatherFirst(tp, x.value()),
        g -> new Tensor[] {reduceScatterFirst(tp, g)}, x);
  }

  /** Forward reduce-scatters partial sums along axis 0, backward all-gathers the gradient. */
  public static Variable reduceScatterSequence(TensorParallel tp, Variable x) {
    if (!tp.active()) {
      return x;
    }
    return Autograd.record("reduce_scatter_sequence", reduceScatterFirst(tp, x.value()),
        g -> new Tensor[] {gatherFirst(tp, g)}, x);
  }

  /** Forward keeps this rank's chunk of axis 0, backward all-gathers the gradient. */
  public static Variable scatterToSequence(TensorParallel tp, Variable x) {
    if (!tp.active()) {
      return x;
    }
    Tensor xv = x.value();
    long part = localRows(tp, xv, "scatter_to_sequence");
    Tensor own = xv.slice(0, tp.rank() * part, (tp.rank() + 1) * part).contiguous();
    return Autograd.record("scatter_to_sequence", own, g -> new Tensor[] {gatherFirst(tp, g)}, x);
  }

  // ---- collectives on tensors ------------------------------------------------------------------------------------

  private static Tensor allReduce(TensorParallel tp, Tensor t) {
    Tensor in = t.contiguous();
    Tensor out = Tensor.empty(t.shape(), t.dtype(), t.device());
    tp.communicator().allReduce(in, out, ReduceOp.SUM);
    return out;
  }

  private static long localRows(TensorParallel tp, Tensor t, String op) {
    if (t.dim(0) % tp.size() != 0) {
      throw new IllegalArgumentException(op + ": axis 0 of " + t.describe() + " is not divisible by tp=" + tp.size());
    }
    return t.dim(0) / tp.size();
  }

  /** (r, ...) on every rank -> (tp*r, ...), rank order. */
  static Tensor gatherFirst(TensorParallel tp, Tensor t) {
    Communicator c = tp.communicator();
    Tensor in = t.contiguous();
    Tensor out = Tensor.empty(t.shape().withDim(0, t.dim(0) * c.size()), t.dtype(), t.device());
    c.allGather(in, out);
    return out;
  }

  /** (tp*r, ...) partial sums -> (r, ...) sum of every rank's chunk of this rank. */
  static Tensor reduceScatterFirst(TensorParallel tp, Tensor t) {
    Communicator c = tp.communicator();
    long part = localRows(tp, t, "reduce_scatter_sequence");
    Tensor in = t.contiguous();
    Tensor out = Tensor.empty(t.shape().withDim(0, part), t.dtype(), t.device());
    c.reduceScatter(in, out, ReduceOp.SUM);
    return out;
  }

  /** (..., C) -> (..., C/tp), this rank's chunk of the last axis. */
  static Tensor splitLast(TensorParallel tp, Tensor t) {
    long c = t.dim(-1);
    if (c % tp.size() != 0) {
      throw new IllegalArgumentException("scatter_to_region: last axis of " + t.describe() + " is not divisible by tp="
          + tp.size());
    }
    long part = c / tp.size();
    return t.slice(-1, tp.rank() * part, (tp.rank() + 1) * part).contiguous();
  }

  /** (..., C/tp) on every rank -> (..., C), chunks in rank order along the last axis. */
  static Tensor gatherLast(TensorParallel tp, Tensor t) {
    int size = tp.size();
    long part = t.dim(-1);
    long rows = t.numel() / part;
    Tensor gathered = Tensor.empty(Shape.of(size, rows, part), t.dtype(), t.device());
    tp.communicator().allGather(t.contiguous(), gathered);
    long[] dims = t.shape().toArray();
    dims[dims.length - 1] = part * size;
    return gathered.permute(1, 0, 2).contiguous().reshape(dims);
  }
}
