package dev.shard4j.ops;

import dev.shard4j.nativelib.InitBinding;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Seeded, reproducible initialisation with Philox4x32-10: element i of a contiguous tensor depends only on (seed,
 * offset, i), so CPU and CUDA give bit-identical values for any thread count. {@code offset} selects an independent
 * stream for the same seed (e.g. one per parameter or per shard). Works on F32 and BF16 (rounded) tensors.
 */
public final class Init {
  private Init() {}

  /** Fills {@code t} with uniform values in [lo, hi). */
  public static void uniform(Tensor t, long seed, long offset, float lo, float hi) {
    Device dev = check("init_uniform", t);
    if (!(lo <= hi)) {
      throw new IllegalArgumentException("init_uniform: need lo <= hi, got " + lo + ", " + hi);
    }
    int status = dev.isCpu()
        ? InitBinding.s4j_init_uniform_cpu(t.dataAddress(), t.numel(), seed, offset, lo, hi, t.dtype().code())
        : InitBinding.s4j_init_uniform_cuda(t.dataAddress(), t.numel(), seed, offset, lo, hi, t.dtype().code(),
            CudaStream.currentHandle(dev));
    NativeStatus.check(status, "init_uniform of " + t.describe());
  }

  /** A new tensor of uniform values in [lo, hi). */
  public static Tensor uniform(Shape shape, DType dtype, Device device, long seed, float lo, float hi) {
    Tensor t = Tensor.empty(shape, dtype, device);
    return TensorOps.guard(t, () -> uniform(t, seed, 0, lo, hi));
  }

  /** Fills {@code t} with normal values N(mean, std^2) (Box-Muller). */
  public static void normal(Tensor t, long seed, long offset, float mean, float std) {
    Device dev = check("init_normal", t);
    if (!(std >= 0)) {
      throw new IllegalArgumentException("init_normal: std must be >= 0, got " + std);
    }
    int status = dev.isCpu()
        ? InitBinding.s4j_init_normal_cpu(t.dataAddress(), t.numel(), seed, offset, mean, std, t.dtype().code())
        : InitBinding.s4j_init_normal_cuda(t.dataAddress(), t.numel(), seed, offset, mean, std, t.dtype().code(),
            CudaStream.currentHandle(dev));
    NativeStatus.check(status, "init_normal of " + t.describe());
  }

  /** A new tensor of normal values N(mean, std^2). */
  public static Tensor normal(Shape shape, DType dtype, Device device, long seed, float mean, float std) {
    Tensor t = Tensor.empty(shape, dtype, device);
    return TensorOps.guard(t, () -> normal(t, seed, 0, mean, std));
  }

  /** Fills {@code t} with N(mean, std^2) values redrawn until they lie in [a, b] (trunc_normal_). */
  public static void truncNormal(Tensor t, long seed, long offset, float mean, float std, float a, float b) {
    Device dev = check("init_trunc_normal", t);
    if (!(std >= 0 && a <= b)) {
      throw new IllegalArgumentException("init_trunc_normal: need std >= 0 and a <= b, got std " + std + ", a " + a
          + ", b " + b);
    }
    int status = dev.isCpu()
        ? InitBinding.s4j_init_trunc_normal_cpu(t.dataAddress(), t.numel(), seed, offset, mean, std, a, b,
            t.dtype().code())
        : InitBinding.s4j_init_trunc_normal_cuda(t.dataAddress(), t.numel(), seed, offset, mean, std, a, b,
            t.dtype().code(), CudaStream.currentHandle(dev));
    NativeStatus.check(status, "init_trunc_normal of " + t.describe());
  }

  /** Fills {@code t} (F32, BF16 or I32) with start + i * step in row-major order. */
  public static void arange(Tensor t, double start, double step) {
    String op = "arange";
    Device dev = Checks.sameDevice(op, t);
    Checks.contiguous(op, "t", t);
    int status = dev.isCpu()
        ? InitBinding.s4j_arange_cpu(t.dataAddress(), t.numel(), start, step, t.dtype().code())
        : InitBinding.s4j_arange_cuda(t.dataAddress(), t.numel(), start, step, t.dtype().code(),
            CudaStream.currentHandle(dev));
    NativeStatus.check(status, op + " of " + t.describe());
  }

  /** A new (n) tensor holding start, start + step, ... */
  public static Tensor arange(long n, double start, double step, DType dtype, Device device) {
    Tensor t = Tensor.empty(Shape.of(n), dtype, device);
    return TensorOps.guard(t, () -> arange(t, start, step));
  }

  private static Device check(String op, Tensor t) {
    Device dev = Checks.sameDevice(op, t);
    Checks.contiguous(op, "t", t);
    if (t.dtype() == DType.I32) {
      throw new IllegalArgumentException(op + ": tensor must be F32 or BF16, got " + t.describe());
    }
    return dev;
  }
}
