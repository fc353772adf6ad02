package dev.shard4j.ops;

import dev.shard4j.nativelib.SoftmaxBinding;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.Tensor;

/**
 * Numerically stable softmax over the last dimension ({@code shard4j/softmax.h}), for tensors viewed as
 * (rows, cols). With {@code causal}, the tensor holds attention scores (..., T, T): row r of each T x T block sees
 * columns {@code 0..r} only and masked entries are 0. All tensors contiguous, one device, one dtype (f32/bf16).
 * Allocating variants return a tensor owned by the caller (or the current {@link dev.shard4j.tensor.Scope}).
 */
public final class Softmax {
  private Softmax() {}

  private static Device check(String op, Tensor... ts) {
    Device d = Checks.sameDevice(op, ts);
    Checks.sameDtype(op, ts);
    Checks.floating(op, ts);
    Checks.sameShape(op, ts);
    String[] names = {"out", "x", "dy"};
    for (int i = 0; i < ts.length; i++) {
      Checks.contiguous(op, names[Math.min(i, 2)], ts[i]);
    }
    if (ts[0].rank() < 1) {
      throw new IllegalArgumentException(op + ": tensor must have rank >= 1, got " + ts[0].describe());
    }
    return d;
  }

  /** {@code out = softmax(x)} along the last dim; {@code out} may be {@code x}. Returns {@code out}. */
  public static Tensor forward(Tensor out, Tensor x, boolean causal) {
    Device d = check("softmaxForward", out, x);
    long cols = x.shape().dim(-1);
    long rows = cols == 0 ? 0 : x.numel() / cols;
    if (causal && (x.rank() < 2 || x.shape().dim(-2) != cols)) {
      throw new IllegalArgumentException("softmaxForward: causal mask needs scores of shape (..., T, T), got "
          + x.describe());
    }
    int c = causal ? 1 : 0;
    int status = d.isCuda()
        ? SoftmaxBinding.s4j_softmax_forward_cuda(out.dataAddress(), x.dataAddress(), rows, cols, c,
            x.dtype().code(), CudaStream.currentHandle(d))
        : SoftmaxBinding.s4j_softmax_forward_cpu(out.dataAddress(), x.dataAddress(), rows, cols, c, x.dtype().code());
    NativeStatus.check(status, "softmaxForward");
    return out;
  }

  /** {@code softmax(x)} (optionally causal) in a new tensor of x's shape. */
  public static Tensor forward(Tensor x, boolean causal) {
    x.checkOpen("softmaxForward");
    return forward(Tensor.empty(x.shape(), x.dtype(), x.device()), x, causal);
  }

  /** {@code dx = y * (dy - sum(dy * y))} per row, with y the forward output; {@code dx} may be {@code dy}. */
  public static Tensor backward(Tensor dx, Tensor y, Tensor dy) {
    Device d = check("softmaxBackward", dx, y, dy);
    long cols = y.shape().dim(-1);
    long rows = cols == 0 ? 0 : y.numel() / cols;
    int status = d.isCuda()
        ? SoftmaxBinding.s4j_softmax_backward_cuda(dx.dataAddress(), y.dataAddress(), dy.dataAddress(), rows, cols,
            y.dtype().code(), CudaStream.currentHandle(d))
        : SoftmaxBinding.s4j_softmax_backward_cpu(dx.dataAddress(), y.dataAddress(), dy.dataAddress(), rows, cols,
            y.dtype().code());
    NativeStatus.check(status, "softmaxBackward");
    return dx;
  }

  /** Softmax input gradient in a new tensor. */
  public static Tensor backward(Tensor y, Tensor dy) {
    y.checkOpen("softmaxBackward");
    return backward(Tensor.empty(y.shape(), y.dtype(), y.device()), y, dy);
  }
}
