package dev.shard4j.ops;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Argument checks shared by the kernel facades. Every message names the operation and the offending values, e.g.
 * {@code "add: shapes differ: a is [4, 8], b is [4, 9]"}.
 */
public final class Checks {
  private Checks() {}

  /** All tensors open, on one device; returns that device. */
  public static Device sameDevice(String op, Tensor... tensors) {
    Device d = null;
    for (Tensor t : tensors) {
      t.checkOpen(op);
      if (d == null) {
        d = t.device();
      } else if (!d.equals(t.device())) {
        throw new IllegalArgumentException(op + ": tensors are on different devices: " + describeAll(tensors));
      }
    }
    return d;
  }

  /** All tensors share one dtype; returns it. */
  public static DType sameDtype(String op, Tensor... tensors) {
    DType d = tensors[0].dtype();
    for (Tensor t : tensors) {
      if (t.dtype() != d) {
        throw new IllegalArgumentException(op + ": dtypes differ: " + describeAll(tensors));
      }
    }
    return d;
  }

  /** Every tensor holds floating-point data (f32 or bf16), as the arithmetic kernels require. */
  public static void floating(String op, Tensor... tensors) {
    for (Tensor t : tensors) {
      if (t.dtype() != DType.F32 && t.dtype() != DType.BF16) {
        throw new IllegalArgumentException(op + ": expected f32 or bf16 data, got " + t.describe());
      }
    }
  }

  /** {@code t} has dtype {@code expected}. */
  public static void dtype(String op, String name, Tensor t, DType expected) {
    if (t.dtype() != expected) {
      throw new IllegalArgumentException(op + ": " + name + " must be " + expected + ", got " + t.describe());
    }
  }

  /** All tensors have the same shape. */
  public static void sameShape(String op, Tensor... tensors) {
    Shape s = tensors[0].shape();
    for (Tensor t : tensors) {
      if (!t.shape().equals(s)) {
        throw new IllegalArgumentException(op + ": shapes differ: " + describeAll(tensors));
      }
    }
  }

  /** {@code t} has exactly shape {@code expected}. */
  public static void shape(String op, String name, Tensor t, Shape expected) {
    if (!t.shape().equals(expected)) {
      throw new IllegalArgumentException(op + ": " + name + " must have shape " + expected + ", got " + t.describe());
    }
  }

  /** {@code t} has rank {@code rank}. */
  public static void rank(String op, String name, Tensor t, int rank) {
    if (t.rank() != rank) {
      throw new IllegalArgumentException(op + ": " + name + " must have rank " + rank + ", got " + t.describe());
    }
  }

  /** {@code t} is laid out densely in row-major order (kernels take contiguous buffers). */
  public static void contiguous(String op, String name, Tensor t) {
    if (!t.isContiguous()) {
      throw new IllegalArgumentException(op + ": " + name + " must be contiguous (call contiguous()), got "
          + t.describe() + " with strides " + java.util.Arrays.toString(t.strides()));
    }
  }

  /** {@code numerator} is divisible by {@code denominator}, in Megatron's wording. */
  public static void divisible(String op, String what, long numerator, long denominator) {
    if (denominator == 0 || numerator % denominator != 0) {
      throw new IllegalArgumentException(op + ": " + what + " " + numerator + " is not divisible by " + denominator);
    }
  }

  private static String describeAll(Tensor... tensors) {
    StringBuilder b = new StringBuilder();
    char name = 'a';
    for (Tensor t : tensors) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(name++).append(" is ").append(t.describe());
    }
    return b.toString();
  }
}
