package dev.shard4j.layers;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;

/**
 * How a parameter's full tensor is split over a tensor-parallel group: replicated ({@code axis < 0}), or split along
 * {@code axis}. With {@code stride > 1} the axis holds {@code stride} consecutive blocks (e.g. the packed q, k, v
 * rows of an attention projection) and each block is split separately, so a rank's shard is its chunk of every
 * block (Megatron's partition stride). Immutable.
 */
public record ParameterSharding(int axis, int stride) {
  /** The same tensor on every rank. */
  public static final ParameterSharding REPLICATED = new ParameterSharding(-1, 1);

  /** Split along {@code axis} into contiguous chunks. */
  public static ParameterSharding split(int axis) {
    return new ParameterSharding(axis, 1);
  }

  /** Split along {@code axis} block by block, for an axis made of {@code stride} packed blocks. */
  public static ParameterSharding strided(int axis, int stride) {
    return new ParameterSharding(axis, stride);
  }

  /** Whether every rank holds the full tensor. */
  public boolean replicated() {
    return axis < 0;
  }

  /** The shape a rank holds, or an error naming the parameter when the split does not divide. */
  public Shape localShape(String name, Shape full, int size) {
    if (replicated() || size == 1) {
      return full;
    }
    long d = full.dim(axis);
    if (d % ((long) stride * size) != 0) {
      throw new IllegalArgumentException(name + ": axis " + axis + " of " + full + (stride > 1 ? " (" + stride
          + " blocks)" : "") + " is not divisible by tp=" + size);
    }
    return full.withDim(axis, d / size);
  }

  /** This rank's shard of {@code full} as a new contiguous tensor (for replicated parameters, a copy). */
  public Tensor shard(Tensor full, int rank, int size) {
    if (replicated() || size == 1) {
      return full.copy();
    }
    long block = full.dim(axis) / stride;
    long part = block / size;
    Tensor[] pieces = new Tensor[stride];
    for (int s = 0; s < stride; s++) {
      long start = s * block + rank * part;
      pieces[s] = TensorOps.slice(full, axis, start, start + part);
    }
    if (stride == 1) {
      return pieces[0];
    }
    Tensor out = TensorOps.concat(axis, pieces);
    for (Tensor p : pieces) {
      p.close();
    }
    return out;
  }

  /**
   * The full tensor rebuilt from every rank's {@code local} shard (an all-gather over the group; every rank must
   * call it). A new tensor owned by the caller or the current scope.
   */
  public Tensor gather(Tensor local, TensorParallel tp) {
    if (replicated() || tp.size() == 1) {
      return local.copy();
    }
    Communicator c = tp.communicator();
    int size = c.size();
    Shape ls = local.shape();
    long outer = ls.outer(axis);
    long inner = ls.inner(axis);
    long part = ls.dim(axis) / stride;
    Tensor gathered = Tensor.empty(Shape.of(size, outer, stride, part, inner), local.dtype(), local.device());
    c.allGather(local.contiguous(), gathered);
    Tensor perm = gathered.permute(1, 2, 0, 3, 4);
    Tensor full = perm.contiguous();
    perm.close();
    gathered.close();
    Tensor out = full.reshape(ls.withDim(axis, ls.dim(axis) * size).toArray());
    full.close();
    return out;
  }
}
