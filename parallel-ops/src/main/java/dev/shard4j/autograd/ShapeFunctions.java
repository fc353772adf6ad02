package dev.shard4j.autograd;

import dev.shard4j.ops.Reductions;
import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Differentiable layout operations: reshape, permute (materialized contiguous, as attention's head split needs),
 * transpose, slice, concat, and sum of all elements. Results belong to the current {@code Scope}; call on the thread
 * that owns the graph.
 */
public final class ShapeFunctions {
  private ShapeFunctions() {}

  /** The same elements in a new shape (a view of a contiguous input); backward reshapes the gradient back. */
  public static Variable reshape(Variable x, long... dims) {
    long[] original = x.shape().toArray();
    return Autograd.record("reshape", x.value().reshape(dims), g -> new Tensor[] {g.reshape(original)}, x);
  }

  /** A contiguous tensor whose axis i is x's axis {@code perm[i]}; backward applies the inverse permutation. */
  public static Variable permute(Variable x, int... perm) {
    if (perm.length != x.value().rank()) {
      throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " does not fit " + x.value().describe());
    }
    int[] inverse = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      inverse[perm[i]] = i;
    }
    Tensor out = x.value().permute(perm).contiguous();
    return Autograd.record("permute", out, g -> new Tensor[] {g.permute(inverse).contiguous()}, x);
  }

  /** {@link #permute} swapping axes a and b. */
  public static Variable transpose(Variable x, int a, int b) {
    int rank = x.value().rank();
    int[] perm = new int[rank];
    for (int i = 0; i < rank; i++) {
      perm[i] = i;
    }
    int pa = x.shape().normalizeAxis(a, "transpose");
    int pb = x.shape().normalizeAxis(b, "transpose");
    perm[pa] = pb;
    perm[pb] = pa;
    return permute(x, perm);
  }

  /**
   * Elements [start, end) along {@code axis} (a contiguous copy, or a view when the slice is contiguous); backward
   * writes the gradient into a zero tensor of x's shape.
   */
  public static Variable slice(Variable x, int axis, long start, long end) {
    Tensor xv = x.value();
    int ax = xv.shape().normalizeAxis(axis, "slice");
    Tensor view = xv.slice(ax, start, end);
    Tensor out = view.isContiguous() ? view : view.contiguous();
    return Autograd.record("slice", out, g -> {
      long total = xv.dim(ax);
      if (start == 0 && end == total) {
        return new Tensor[] {g};
      }
      Tensor before = Tensor.zeros(xv.shape().withDim(ax, start), g.dtype(), g.device());
      Tensor after = Tensor.zeros(xv.shape().withDim(ax, total - end), g.dtype(), g.device());
      return new Tensor[] {TensorOps.concat(ax, before, g.contiguous(), after)};
    }, x);
  }

  /** Concatenation along {@code axis}; backward splits the gradient into the inputs' sizes. */
  public static Variable concat(int axis, Variable... xs) {
    if (xs.length == 0) {
      throw new IllegalArgumentException("concat: no inputs");
    }
    Tensor[] values = new Tensor[xs.length];
    long[] sizes = new long[xs.length];
    int ax = xs[0].shape().normalizeAxis(axis, "concat");
    for (int i = 0; i < xs.length; i++) {
      values[i] = xs[i].value();
      sizes[i] = values[i].dim(ax);
    }
    Tensor out = TensorOps.concat(ax, values);
    return Autograd.record("concat", out, g -> TensorOps.split(g, ax, sizes), xs);
  }

  /** The sum of all elements as a one-element (1) tensor; backward broadcasts the gradient. */
  public static Variable sum(Variable x) {
    Tensor xv = x.value();
    Tensor s = Reductions.sum(xv.reshape(1, xv.numel()), 1);
    return Autograd.record("sum", s, g -> {
      Tensor dx = TensorOps.full(xv.shape(), xv.dtype(), xv.device(), g.item());
      return new Tensor[] {dx};
    }, x);
  }
}
