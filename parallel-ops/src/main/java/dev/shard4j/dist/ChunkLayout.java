package dev.shard4j.dist;

import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Copies between a local shard and the flat-chunk layout collectives use (chunk {@code j} is the {@code j}-th block
 * of {@code numel / n} elements), built from views and the native copy, concat and slice kernels. Every method
 * returns a new contiguous tensor (possibly a view sharing storage with its input) that the caller owns.
 */
final class ChunkLayout {
  private ChunkLayout() {}

  /** {@code x} grown along {@code dim} to {@code size} with zeros at the end. */
  static Tensor padDim(Tensor x, int dim, long size) {
    long have = x.dim(dim);
    if (have == size) {
      return x.contiguous();
    }
    if (have > size) {
      throw new IllegalStateException("padDim: " + x.describe() + " is larger than " + size + " along dim " + dim);
    }
    try (Tensor zeros = Tensor.zeros(x.shape().withDim(dim, size - have), x.dtype(), x.device())) {
      return TensorOps.concat(dim, x, zeros);
    }
  }

  /** {@code x[..., start : start + len, ...]} along {@code dim}, contiguous. */
  static Tensor narrow(Tensor x, int dim, long start, long len) {
    if (start == 0 && len == x.dim(dim)) {
      return x.contiguous();
    }
    if (x.shape().outer(dim) == 1) {
      return x.slice(dim, start, start + len);
    }
    return TensorOps.slice(x, dim, start, start + len);
  }

  /**
   * {@code x} (contiguous, {@code x.dim(dim) == n * c}) rearranged to shape {@code [n, ..., c, ...]} so that flat chunk
   * {@code j} holds chunk {@code j} of {@code x} along {@code dim}. A view when {@code dim} is the outermost non-unit
   * dimension, otherwise one copy.
   */
  static Tensor toChunks(Tensor x, int dim, int n) {
    long[] d = x.shape().toArray();
    long c = d[dim] / n;
    long[] split = new long[d.length + 1];
    int[] perm = new int[d.length + 1];
    for (int i = 0, j = 0; i < d.length; i++) {
      if (i == dim) {
        split[j++] = n;
        split[j++] = c;
      } else {
        split[j++] = d[i];
      }
    }
    perm[0] = dim;
    for (int i = 1, src = 0; i < perm.length; src++) {
      if (src != dim) {
        perm[i++] = src;
      }
    }
    try (Tensor r = x.reshape(split); Tensor p = r.permute(perm)) {
      return p.contiguous();
    }
  }

  /**
   * The inverse of {@link #toChunks}: {@code b} of shape {@code [n, ..., c, ...]} (with {@code c} at {@code dim + 1})
   * merged into shape {@code [..., n * c, ...]}. A view when no data has to move, otherwise one copy.
   */
  static Tensor fromChunks(Tensor b, int dim) {
    int rank = b.rank() - 1;
    int[] perm = new int[rank + 1];
    for (int i = 0, src = 1; i <= rank; i++) {
      perm[i] = i == dim ? 0 : src++;
    }
    long[] merged = new long[rank];
    for (int i = 0; i < rank; i++) {
      merged[i] = b.dim(i + 1);
    }
    merged[dim] = b.dim(0) * b.dim(dim + 1);
    try (Tensor p = b.permute(perm)) {
      return p.reshape(merged);
    }
  }

  /** {@code x} placed at {@code start} along {@code dim} of zeros of length {@code total}. */
  static Tensor embed(Tensor x, int dim, long start, long total) {
    long before = start;
    long after = total - start - x.dim(dim);
    if (before == 0 && after == 0) {
      return x.contiguous();
    }
    Shape s = x.shape();
    try (Tensor lo = Tensor.zeros(s.withDim(dim, before), x.dtype(), x.device());
        Tensor hi = Tensor.zeros(s.withDim(dim, after), x.dtype(), x.device())) {
      return TensorOps.concat(dim, lo, x, hi);
    }
  }
}
