package dev.shard4j.ops;

import dev.shard4j.nativelib.LayerNormBinding;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Layer normalization over the last dimension C ({@code shard4j/layernorm.h}, llm.c's layernorm_forward/backward).
 * x, out, dout, dx are (..., C) viewed as (N, C); weight and bias are (C) of x's dtype; mean and rstd are f32 (N);
 * dweight and dbias are f32 (C) and are accumulated into. All tensors contiguous and on one device.
 */
public final class LayerNorm {
  private LayerNorm() {}

  /** Output of the allocating forward: the normalized tensor and the saved f32 row statistics. */
  public static final class Forward implements AutoCloseable {
    /** Normalized output, (..., C). */
    public final Tensor out;
    /** Row means, f32 (N). */
    public final Tensor mean;
    /** Row reciprocal standard deviations, f32 (N). */
    public final Tensor rstd;

    Forward(Tensor out, Tensor mean, Tensor rstd) {
      this.out = out;
      this.mean = mean;
      this.rstd = rstd;
    }

    /** Closes the three tensors. */
    @Override
    public void close() {
      out.close();
      mean.close();
      rstd.close();
    }
  }

  private static long checkRows(String op, Tensor x, Tensor weight, Tensor... more) {
    if (x.rank() < 1) {
      throw new IllegalArgumentException(op + ": x must have rank >= 1, got " + x.describe());
    }
    long c = x.shape().dim(-1);
    if (c == 0) {
      throw new IllegalArgumentException(op + ": the normalized dimension is empty: " + x.describe());
    }
    Checks.shape(op, "weight", weight, Shape.of(c));
    for (Tensor t : more) {
      Checks.contiguous(op, "tensor", t);
    }
    return c;
  }

  private static void checkStats(String op, String name, Tensor t, long n) {
    Checks.dtype(op, name, t, DType.F32);
    Checks.shape(op, name, t, Shape.of(n));
    Checks.contiguous(op, name, t);
  }

  /**
   * {@code out = (x - mean) * rstd * weight + bias} with {@code rstd = 1/sqrt(var + eps)}; {@code mean}, {@code rstd}
   * (f32 (N), may be null) receive the statistics for the backward. Returns {@code out}.
   */
  public static Tensor forward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias,
      float eps) {
    String op = "layernormForward";
    Device d = Checks.sameDevice(op, out, x, weight, bias);
    Checks.sameDtype(op, out, x, weight, bias);
    Checks.floating(op, x);
    Checks.sameShape(op, out, x);
    long c = checkRows(op, x, weight, out, x, weight, bias);
    Checks.shape(op, "bias", bias, Shape.of(c));
    long n = x.numel() / c;
    if (mean != null) {
      Checks.sameDevice(op, x, mean);
      checkStats(op, "mean", mean, n);
    }
    if (rstd != null) {
      Checks.sameDevice(op, x, rstd);
      checkStats(op, "rstd", rstd, n);
    }
    if (!(eps >= 0f)) {
      throw new IllegalArgumentException(op + ": eps must be >= 0, got " + eps);
    }
    long m = mean == null ? 0L : mean.dataAddress();
    long r = rstd == null ? 0L : rstd.dataAddress();
    int status = d.isCuda()
        ? LayerNormBinding.s4j_layernorm_forward_cuda(out.dataAddress(), m, r, x.dataAddress(), weight.dataAddress(),
            bias.dataAddress(), n, c, eps, x.dtype().code(), CudaStream.currentHandle(d))
        : LayerNormBinding.s4j_layernorm_forward_cpu(out.dataAddress(), m, r, x.dataAddress(), weight.dataAddress(),
            bias.dataAddress(), n, c, eps, x.dtype().code());
    NativeStatus.check(status, op);
    return out;
  }

  /** Allocating forward: returns the output and the saved statistics, owned by the caller (or the current scope). */
  public static Forward forward(Tensor x, Tensor weight, Tensor bias, float eps) {
    x.checkOpen("layernormForward");
    long c = x.rank() < 1 ? 0 : x.shape().dim(-1);
    long n = c == 0 ? 0 : x.numel() / c;
    Tensor out = Tensor.empty(x.shape(), x.dtype(), x.device());
    Tensor mean = Tensor.empty(Shape.of(n), DType.F32, x.device());
    Tensor rstd = Tensor.empty(Shape.of(n), DType.F32, x.device());
    try {
      forward(out, mean, rstd, x, weight, bias, eps);
    } catch (RuntimeException e) {
      out.close();
      mean.close();
      rstd.close();
      throw e;
    }
    return new Forward(out, mean, rstd);
  }

  /**
   * Backward: writes {@code dx} ((..., C)) and, when not null, accumulates {@code dweight += sum_r dout * xhat} and
   * {@code dbias += sum_r dout} (f32 (C); both or neither). Returns {@code dx}.
   */
  public static Tensor backward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dout, Tensor x, Tensor weight,
      Tensor mean, Tensor rstd) {
    String op = "layernormBackward";
    Device d = Checks.sameDevice(op, dx, dout, x, weight, mean, rstd);
    Checks.sameDtype(op, dx, dout, x, weight);
    Checks.sameShape(op, dx, dout, x);
    long c = checkRows(op, x, weight, dx, dout, x, weight);
    long n = x.numel() / c;
    checkStats(op, "mean", mean, n);
    checkStats(op, "rstd", rstd, n);
    if ((dweight == null) != (dbias == null)) {
      throw new IllegalArgumentException(op + ": dweight and dbias must both be given or both be null");
    }
    long dw = 0L;
    long db = 0L;
    if (dweight != null) {
      Checks.sameDevice(op, x, dweight, dbias);
      checkStats(op, "dweight", dweight, c);
      checkStats(op, "dbias", dbias, c);
      dw = dweight.dataAddress();
      db = dbias.dataAddress();
    }
    int status = d.isCuda()
        ? LayerNormBinding.s4j_layernorm_backward_cuda(dx.dataAddress(), dw, db, dout.dataAddress(), x.dataAddress(),
            weight.dataAddress(), mean.dataAddress(), rstd.dataAddress(), n, c, x.dtype().code(),
            CudaStream.currentHandle(d))
        : LayerNormBinding.s4j_layernorm_backward_cpu(dx.dataAddress(), dw, db, dout.dataAddress(), x.dataAddress(),
            weight.dataAddress(), mean.dataAddress(), rstd.dataAddress(), n, c, x.dtype().code());
    NativeStatus.check(status, op);
    return dx;
  }

  /** Allocating backward: returns a new dx; dweight/dbias as in the out-variant. */
  public static Tensor backward(Tensor dweight, Tensor dbias, Tensor dout, Tensor x, Tensor weight, Tensor mean,
      Tensor rstd) {
    x.checkOpen("layernormBackward");
    return backward(Tensor.empty(x.shape(), x.dtype(), x.device()), dweight, dbias, dout, x, weight, mean, rstd);
  }
}
