package dev.shard4j.ops;

import dev.shard4j.nativelib.ElementwiseBinding;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Elementwise kernels ({@code shard4j/elementwise.h}): {@code add/sub/mul}, {@code scale}, {@code axpy}, GELU
 * (tanh approximation) forward/backward, bias add and the fused bias+GELU pair. All tensors are contiguous, on one
 * device, and share a dtype (f32 or bf16 storage, fp32 compute), except that a bias may be f32 under bf16
 * activations and {@code dbias} is always f32. Out-variants write into (and return) the caller's tensor; allocating
 * variants return a new tensor owned by the caller (or by the current {@link dev.shard4j.tensor.Scope}).
 * In-place calls ({@code out == a}) are allowed.
 */
public final class Elementwise {
  private Elementwise() {}

  private static final int ADD = 0;
  private static final int SUB = 1;
  private static final int MUL = 2;

  private static Device checkSame(String op, Tensor... ts) {
    Device d = Checks.sameDevice(op, ts);
    Checks.sameDtype(op, ts);
    Checks.floating(op, ts);
    Checks.sameShape(op, ts);
    char name = 'a';
    for (Tensor t : ts) {
      Checks.contiguous(op, String.valueOf(name++), t);
    }
    return d;
  }

  private static long stream(Device d) {
    return d.isCuda() ? CudaStream.currentHandle(d) : 0L;
  }

  private static Tensor binary(int kind, String op, Tensor out, Tensor a, Tensor b) {
    Device d = checkSame(op, out, a, b);
    long n = a.numel();
    int dt = a.dtype().code();
    long o = out.dataAddress();
    long pa = a.dataAddress();
    long pb = b.dataAddress();
    int status;
    if (d.isCuda()) {
      long s = stream(d);
      status = kind == ADD ? ElementwiseBinding.s4j_add_cuda(o, pa, pb, n, dt, s)
          : kind == SUB ? ElementwiseBinding.s4j_sub_cuda(o, pa, pb, n, dt, s)
          : ElementwiseBinding.s4j_mul_cuda(o, pa, pb, n, dt, s);
    } else {
      status = kind == ADD ? ElementwiseBinding.s4j_add_cpu(o, pa, pb, n, dt)
          : kind == SUB ? ElementwiseBinding.s4j_sub_cpu(o, pa, pb, n, dt)
          : ElementwiseBinding.s4j_mul_cpu(o, pa, pb, n, dt);
    }
    NativeStatus.check(status, op);
    return out;
  }

  private static Tensor like(Tensor t) {
    t.checkOpen("allocate");
    return Tensor.empty(t.shape(), t.dtype(), t.device());
  }

  /** {@code out = a + b}; all three have the same shape. Returns {@code out}. */
  public static Tensor add(Tensor out, Tensor a, Tensor b) {
    return binary(ADD, "add", out, a, b);
  }

  /** {@code a + b} in a new tensor. */
  public static Tensor add(Tensor a, Tensor b) {
    checkSame("add", a, b);
    return add(like(a), a, b);
  }

  /** Residual connection {@code out = x + residual} (the same kernel as {@link #add(Tensor, Tensor, Tensor)}). */
  public static Tensor residualAdd(Tensor out, Tensor x, Tensor residual) {
    return binary(ADD, "residualAdd", out, x, residual);
  }

  /** {@code out = a - b}. Returns {@code out}. */
  public static Tensor sub(Tensor out, Tensor a, Tensor b) {
    return binary(SUB, "sub", out, a, b);
  }

  /** {@code a - b} in a new tensor. */
  public static Tensor sub(Tensor a, Tensor b) {
    checkSame("sub", a, b);
    return sub(like(a), a, b);
  }

  /** {@code out = a * b} elementwise. Returns {@code out}. */
  public static Tensor mul(Tensor out, Tensor a, Tensor b) {
    return binary(MUL, "mul", out, a, b);
  }

  /** {@code a * b} elementwise in a new tensor. */
  public static Tensor mul(Tensor a, Tensor b) {
    checkSame("mul", a, b);
    return mul(like(a), a, b);
  }

  /** {@code out = alpha * x}. Returns {@code out}. */
  public static Tensor scale(Tensor out, Tensor x, float alpha) {
    Device d = checkSame("scale", out, x);
    int status = d.isCuda()
        ? ElementwiseBinding.s4j_scale_cuda(out.dataAddress(), x.dataAddress(), alpha, x.numel(), x.dtype().code(),
            stream(d))
        : ElementwiseBinding.s4j_scale_cpu(out.dataAddress(), x.dataAddress(), alpha, x.numel(), x.dtype().code());
    NativeStatus.check(status, "scale");
    return out;
  }

  /** {@code alpha * x} in a new tensor. */
  public static Tensor scale(Tensor x, float alpha) {
    checkSame("scale", x);
    return scale(like(x), x, alpha);
  }

  /** {@code y += alpha * x} in place; returns {@code y}. */
  public static Tensor axpy(Tensor y, float alpha, Tensor x) {
    Device d = checkSame("axpy", y, x);
    int status = d.isCuda()
        ? ElementwiseBinding.s4j_axpy_cuda(y.dataAddress(), x.dataAddress(), alpha, x.numel(), x.dtype().code(),
            stream(d))
        : ElementwiseBinding.s4j_axpy_cpu(y.dataAddress(), x.dataAddress(), alpha, x.numel(), x.dtype().code());
    NativeStatus.check(status, "axpy");
    return y;
  }

  /** GELU (tanh approximation) {@code out = 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))}. Returns {@code out}. */
  public static Tensor geluForward(Tensor out, Tensor x) {
    Device d = checkSame("geluForward", out, x);
    int status = d.isCuda()
        ? ElementwiseBinding.s4j_gelu_forward_cuda(out.dataAddress(), x.dataAddress(), x.numel(), x.dtype().code(),
            stream(d))
        : ElementwiseBinding.s4j_gelu_forward_cpu(out.dataAddress(), x.dataAddress(), x.numel(), x.dtype().code());
    NativeStatus.check(status, "geluForward");
    return out;
  }

  /** GELU of {@code x} in a new tensor. */
  public static Tensor geluForward(Tensor x) {
    checkSame("geluForward", x);
    return geluForward(like(x), x);
  }

  /** {@code dx = dy * gelu'(x)}; {@code dx} may be {@code dy}. Returns {@code dx}. */
  public static Tensor geluBackward(Tensor dx, Tensor x, Tensor dy) {
    Device d = checkSame("geluBackward", dx, x, dy);
    int status = d.isCuda()
        ? ElementwiseBinding.s4j_gelu_backward_cuda(dx.dataAddress(), x.dataAddress(), dy.dataAddress(), x.numel(),
            x.dtype().code(), stream(d))
        : ElementwiseBinding.s4j_gelu_backward_cpu(dx.dataAddress(), x.dataAddress(), dy.dataAddress(), x.numel(),
            x.dtype().code());
    NativeStatus.check(status, "geluBackward");
    return dx;
  }

  /** {@code dy * gelu'(x)} in a new tensor. */
  public static Tensor geluBackward(Tensor x, Tensor dy) {
    checkSame("geluBackward", x, dy);
    return geluBackward(like(x), x, dy);
  }

  /** Checks a (rows, cols) activation against a (cols) bias; returns cols. */
  private static long checkBias(String op, Tensor x, Tensor bias) {
    if (x.rank() < 1) {
      throw new IllegalArgumentException(op + ": x must have rank >= 1, got " + x.describe());
    }
    long cols = x.shape().dim(-1);
    Checks.shape(op, "bias", bias, Shape.of(cols));
    Checks.contiguous(op, "bias", bias);
    if (bias.dtype() != x.dtype() && bias.dtype() != DType.F32) {
      throw new IllegalArgumentException(op + ": bias must be " + x.dtype() + " or F32, got " + bias.describe()
          + " for x " + x.describe());
    }
    return cols;
  }

  /** {@code out[r, c] = x[r, c] + bias[c]}: x and out are (..., C), bias is (C), of x's dtype or f32. */
  public static Tensor biasAdd(Tensor out, Tensor x, Tensor bias) {
    Device d = checkSame("biasAdd", out, x);
    Checks.sameDevice("biasAdd", x, bias);
    long cols = checkBias("biasAdd", x, bias);
    long rows = cols == 0 ? 0 : x.numel() / cols;
    int status = d.isCuda()
        ? ElementwiseBinding.s4j_bias_add_cuda(out.dataAddress(), x.dataAddress(), bias.dataAddress(), rows, cols,
            x.dtype().code(), bias.dtype().code(), stream(d))
        : ElementwiseBinding.s4j_bias_add_cpu(out.dataAddress(), x.dataAddress(), bias.dataAddress(), rows, cols,
            x.dtype().code(), bias.dtype().code());
    NativeStatus.check(status, "biasAdd");
    return out;
  }

  /** {@code x + bias} (bias broadcast over rows) in a new tensor. */
  public static Tensor biasAdd(Tensor x, Tensor bias) {
    checkSame("biasAdd", x);
    checkBias("biasAdd", x, bias);
    return biasAdd(like(x), x, bias);
  }

  /**
   * Fused {@code out = gelu(x + bias)}: x, out (and {@code pre}, if not null, which receives {@code x + bias}) are
   * (..., C); bias is (C). The backward recomputes {@code x + bias}, so {@code pre} is only for callers that want it.
   */
  public static Tensor biasGeluForward(Tensor out, Tensor pre, Tensor x, Tensor bias) {
    Device d = pre == null ? checkSame("biasGeluForward", out, x) : checkSame("biasGeluForward", out, pre, x);
    Checks.sameDevice("biasGeluForward", x, bias);
    long cols = checkBias("biasGeluForward", x, bias);
    long rows = cols == 0 ? 0 : x.numel() / cols;
    long preAddr = pre == null ? 0L : pre.dataAddress();
    int status = d.isCuda()
        ? ElementwiseBinding.s4j_bias_gelu_forward_cuda(out.dataAddress(), preAddr, x.dataAddress(),
            bias.dataAddress(), rows, cols, x.dtype().code(), bias.dtype().code(), stream(d))
        : ElementwiseBinding.s4j_bias_gelu_forward_cpu(out.dataAddress(), preAddr, x.dataAddress(),
            bias.dataAddress(), rows, cols, x.dtype().code(), bias.dtype().code());
    NativeStatus.check(status, "biasGeluForward");
    return out;
  }

  /** {@code gelu(x + bias)} in a new tensor. */
  public static Tensor biasGeluForward(Tensor x, Tensor bias) {
    checkSame("biasGeluForward", x);
    checkBias("biasGeluForward", x, bias);
    return biasGeluForward(like(x), null, x, bias);
  }

  /**
   * Backward of {@link #biasGeluForward}: {@code dx = dy * gelu'(x + bias)} ((..., C), may be {@code dy}) and, when
   * {@code dbias} (f32 (C)) is not null, {@code dbias[c] += sum_r dx[r, c]} (accumulated, deterministic order).
   */
  public static Tensor biasGeluBackward(Tensor dx, Tensor dbias, Tensor x, Tensor bias, Tensor dy) {
    Device d = checkSame("biasGeluBackward", dx, x, dy);
    Checks.sameDevice("biasGeluBackward", x, bias);
    long cols = checkBias("biasGeluBackward", x, bias);
    long rows = cols == 0 ? 0 : x.numel() / cols;
    long db = 0L;
    if (dbias != null) {
      Checks.sameDevice("biasGeluBackward", x, dbias);
      Checks.dtype("biasGeluBackward", "dbias", dbias, DType.F32);
      Checks.shape("biasGeluBackward", "dbias", dbias, Shape.of(cols));
      Checks.contiguous("biasGeluBackward", "dbias", dbias);
      db = dbias.dataAddress();
    }
    int status = d.isCuda()
        ? ElementwiseBinding.s4j_bias_gelu_backward_cuda(dx.dataAddress(), db, x.dataAddress(), bias.dataAddress(),
            dy.dataAddress(), rows, cols, x.dtype().code(), bias.dtype().code(), stream(d))
        : ElementwiseBinding.s4j_bias_gelu_backward_cpu(dx.dataAddress(), db, x.dataAddress(), bias.dataAddress(),
            dy.dataAddress(), rows, cols, x.dtype().code(), bias.dtype().code());
    NativeStatus.check(status, "biasGeluBackward");
    return dx;
  }

  /** Allocating variant of {@link #biasGeluBackward(Tensor, Tensor, Tensor, Tensor, Tensor)}: returns a new dx. */
  public static Tensor biasGeluBackward(Tensor dbias, Tensor x, Tensor bias, Tensor dy) {
    checkSame("biasGeluBackward", x, dy);
    checkBias("biasGeluBackward", x, bias);
    return biasGeluBackward(like(x), dbias, x, bias, dy);
  }
}
