package dev.shard4j.ops;

import dev.shard4j.nativelib.ReduceBinding;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Reductions ({@code shard4j/reduce.h}): sum and max over one axis (the axis is removed from the shape), and
 * whole-buffer sum of squares (double accumulation, for global-norm gradient clipping) and max. Results are
 * deterministic: the order of additions depends only on the shape, never on the thread count. Inputs must be
 * contiguous; axis outputs have the input's dtype, whole-buffer results are f32.
 */
public final class Reductions {
  private Reductions() {}

  private static Shape reduced(Shape s, int axis) {
    long[] d = s.toArray();
    long[] r = new long[d.length - 1];
    for (int i = 0, j = 0; i < d.length; i++) {
      if (i != axis) {
        r[j++] = d[i];
      }
    }
    return Shape.of(r);
  }

  private static Tensor axisReduce(String op, boolean max, Tensor out, Tensor x, int axis) {
    Device d = Checks.sameDevice(op, out, x);
    Checks.sameDtype(op, out, x);
    Checks.floating(op, x);
    Checks.contiguous(op, "x", x);
    Checks.contiguous(op, "out", out);
    int a = x.shape().normalizeAxis(axis, op);
    Checks.shape(op, "out", out, reduced(x.shape(), a));
    long outer = x.shape().outer(a);
    long n = x.shape().dim(a);
    long inner = x.shape().inner(a);
    if (max && n == 0 && outer * inner > 0) {
      throw new IllegalArgumentException(op + ": cannot take the max over empty axis " + axis + " of " + x.describe());
    }
    int dt = x.dtype().code();
    int status;
    if (d.isCuda()) {
      long s = CudaStream.currentHandle(d);
      status = max ? ReduceBinding.s4j_max_axis_cuda(out.dataAddress(), x.dataAddress(), outer, n, inner, dt, s)
          : ReduceBinding.s4j_sum_axis_cuda(out.dataAddress(), x.dataAddress(), outer, n, inner, dt, s);
    } else {
      status = max ? ReduceBinding.s4j_max_axis_cpu(out.dataAddress(), x.dataAddress(), outer, n, inner, dt)
          : ReduceBinding.s4j_sum_axis_cpu(out.dataAddress(), x.dataAddress(), outer, n, inner, dt);
    }
    NativeStatus.check(status, op);
    return out;
  }

  /** {@code out = x.sum(axis)}: out has x's shape without {@code axis} (negative axes count from the end). */
  public static Tensor sum(Tensor out, Tensor x, int axis) {
    return axisReduce("sum", false, out, x, axis);
  }

  /** Sum over {@code axis} in a new tensor of x's shape without that axis. */
  public static Tensor sum(Tensor x, int axis) {
    x.checkOpen("sum");
    int a = x.shape().normalizeAxis(axis, "sum");
    return sum(Tensor.empty(reduced(x.shape(), a), x.dtype(), x.device()), x, axis);
  }

  /** {@code out = x.max(axis)} (NaN propagates); the axis must be non-empty. */
  public static Tensor max(Tensor out, Tensor x, int axis) {
    return axisReduce("max", true, out, x, axis);
  }

  /** Max over {@code axis} in a new tensor. */
  public static Tensor max(Tensor x, int axis) {
    x.checkOpen("max");
    int a = x.shape().normalizeAxis(axis, "max");
    return max(Tensor.empty(reduced(x.shape(), a), x.dtype(), x.device()), x, axis);
  }

  private static void checkScalarOut(String op, Tensor out, Tensor x) {
    Checks.sameDevice(op, out, x);
    Checks.floating(op, x);
    Checks.dtype(op, "out", out, DType.F32);
    if (out.numel() != 1) {
      throw new IllegalArgumentException(op + ": out must hold one element, got " + out.describe());
    }
    Checks.contiguous(op, "x", x);
  }

  /**
   * {@code out[0] = sum(x^2)} over the whole buffer, accumulated in double, written to the one-element f32
   * {@code out} on x's device without synchronizing.
   */
  public static Tensor sumSquares(Tensor out, Tensor x) {
    checkScalarOut("sumSquares", out, x);
    Device d = x.device();
    int status = d.isCuda()
        ? ReduceBinding.s4j_sum_squares_cuda(out.dataAddress(), x.dataAddress(), x.numel(), x.dtype().code(),
            CudaStream.currentHandle(d))
        : ReduceBinding.s4j_sum_squares_cpu(out.dataAddress(), x.dataAddress(), x.numel(), x.dtype().code());
    NativeStatus.check(status, "sumSquares");
    return out;
  }

  /** Sum of squares of all elements of x, returned to the host (synchronizes on CUDA). */
  public static float sumSquares(Tensor x) {
    x.checkOpen("sumSquares");
    try (Tensor out = Tensor.empty(Shape.of(1), DType.F32, x.device())) {
      return sumSquares(out, x).item();
    }
  }

  /** {@code out[0] = max(x)} over the whole (non-empty) buffer, into a one-element f32 tensor on x's device. */
  public static Tensor maxAll(Tensor out, Tensor x) {
    checkScalarOut("maxAll", out, x);
    if (x.numel() == 0) {
      throw new IllegalArgumentException("maxAll: x is empty: " + x.describe());
    }
    Device d = x.device();
    int status = d.isCuda()
        ? ReduceBinding.s4j_max_all_cuda(out.dataAddress(), x.dataAddress(), x.numel(), x.dtype().code(),
            CudaStream.currentHandle(d))
        : ReduceBinding.s4j_max_all_cpu(out.dataAddress(), x.dataAddress(), x.numel(), x.dtype().code());
    NativeStatus.check(status, "maxAll");
    return out;
  }

  /** Max of all elements, returned to the host. */
  public static float maxAll(Tensor x) {
    x.checkOpen("maxAll");
    try (Tensor out = Tensor.empty(Shape.of(1), DType.F32, x.device())) {
      return maxAll(out, x).item();
    }
  }
}
