package dev.shard4j.ops;

import dev.shard4j.nativelib.TensorOpsBinding;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Layout kernels for sharding: contiguous transpose of the last two dims, slice, concat, split, gather
 * (index_select) and fill. Inputs and outputs are contiguous; along an axis a tensor is viewed as [outer, d, inner].
 * The copies accept F32, BF16 and I32 (no conversion); results of allocating variants belong to the caller/scope.
 */
public final class TensorOps {
  private TensorOps() {}

  /** out (..., C, R) = in (..., R, C) with the last two dims swapped, contiguous. */
  public static Tensor transposeLast2(Tensor in) {
    checkRank2(in);
    long[] d = in.shape().toArray();
    long t = d[d.length - 1];
    d[d.length - 1] = d[d.length - 2];
    d[d.length - 2] = t;
    Tensor out = Tensor.empty(Shape.of(d), in.dtype(), in.device());
    return guard(out, () -> transposeLast2(out, in));
  }

  /** Writes the last-two-dims transpose of {@code in} (..., R, C) into {@code out} (..., C, R). */
  public static void transposeLast2(Tensor out, Tensor in) {
    String op = "transpose_last2";
    Device dev = Checks.sameDevice(op, out, in);
    checkRank2(in);
    Checks.dtype(op, "out", out, in.dtype());
    Checks.contiguous(op, "in", in);
    Checks.contiguous(op, "out", out);
    long r = in.dim(-2), c = in.dim(-1), b = in.numel() / Math.max(1, r * c);
    if (r * c == 0) {
      b = 0;
    }
    long[] d = in.shape().toArray();
    d[d.length - 1] = r;
    d[d.length - 2] = c;
    Checks.shape(op, "out", out, Shape.of(d));
    int status = dev.isCpu()
        ? TensorOpsBinding.s4j_transpose_last2_cpu(out.dataAddress(), in.dataAddress(), b, r, c, in.dtype().code())
        : TensorOpsBinding.s4j_transpose_last2_cuda(out.dataAddress(), in.dataAddress(), b, r, c, in.dtype().code(),
            CudaStream.currentHandle(dev));
    NativeStatus.check(status, op + " of " + in.describe());
  }

  /** A contiguous copy of {@code in} restricted to [start, end) along {@code axis}. */
  public static Tensor slice(Tensor in, int axis, long start, long end) {
    int a = in.shape().normalizeAxis(axis, "slice");
    if (start < 0 || end < start || end > in.dim(a)) {
      throw new IllegalArgumentException("slice: range [" + start + ", " + end + ") is outside axis " + a + " of "
          + in.describe());
    }
    Tensor out = Tensor.empty(in.shape().withDim(a, end - start), in.dtype(), in.device());
    return guard(out, () -> slice(out, in, axis, start));
  }

  /** Writes in[..., start : start + out.dim(axis), ...] into {@code out}. */
  public static void slice(Tensor out, Tensor in, int axis, long start) {
    String op = "slice";
    Device dev = Checks.sameDevice(op, out, in);
    int a = in.shape().normalizeAxis(axis, op);
    Checks.dtype(op, "out", out, in.dtype());
    Checks.contiguous(op, "in", in);
    Checks.contiguous(op, "out", out);
    long len = out.rank() == in.rank() ? out.dim(a) : -1;
    if (len < 0 || start < 0 || start + len > in.dim(a)) {
      throw new IllegalArgumentException(op + ": out " + out.describe() + " at start " + start + " does not fit axis "
          + a + " of in " + in.describe());
    }
    Checks.shape(op, "out", out, in.shape().withDim(a, len));
    Shape s = in.shape();
    int status = dev.isCpu()
        ? TensorOpsBinding.s4j_slice_cpu(out.dataAddress(), in.dataAddress(), s.outer(a), s.dim(a), s.inner(a), start,
            len, in.dtype().code())
        : TensorOpsBinding.s4j_slice_cuda(out.dataAddress(), in.dataAddress(), s.outer(a), s.dim(a), s.inner(a),
            start, len, in.dtype().code(), CudaStream.currentHandle(dev));
    NativeStatus.check(status, op + " of " + in.describe());
  }

  /** Concatenates {@code inputs} along {@code axis} into a new tensor. */
  public static Tensor concat(int axis, Tensor... inputs) {
    if (inputs.length == 0) {
      throw new IllegalArgumentException("concat: needs at least one input");
    }
    int a = inputs[0].shape().normalizeAxis(axis, "concat");
    long total = 0;
    for (Tensor t : inputs) {
      t.checkOpen("concat");
      total += t.rank() == inputs[0].rank() ? t.dim(a) : 0;
    }
    Tensor out = Tensor.empty(inputs[0].shape().withDim(a, total), inputs[0].dtype(), inputs[0].device());
    return guard(out, () -> concat(out, axis, inputs));
  }

  /** Writes the concatenation of {@code inputs} along {@code axis} into {@code out}. */
  public static void concat(Tensor out, int axis, Tensor... inputs) {
    String op = "concat";
    long[] dims = checkParts(op, out, axis, inputs);
    int a = out.shape().normalizeAxis(axis, op);
    long[] addr = new long[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      addr[i] = inputs[i].dataAddress();
    }
    Device dev = out.device();
    Shape s = out.shape();
    int status = dev.isCpu()
        ? TensorOpsBinding.s4j_concat_cpu(out.dataAddress(), addr, dims, inputs.length, s.outer(a), s.inner(a),
            out.dtype().code())
        : TensorOpsBinding.s4j_concat_cuda(out.dataAddress(), addr, dims, inputs.length, s.outer(a), s.inner(a),
            out.dtype().code(), CudaStream.currentHandle(dev));
    NativeStatus.check(status, op + " into " + out.describe());
  }

  /** Splits {@code in} along {@code axis} into new tensors of the given sizes (which must sum to in.dim(axis)). */
  public static Tensor[] split(Tensor in, int axis, long... sizes) {
    int a = in.shape().normalizeAxis(axis, "split");
    long sum = 0;
    for (long s : sizes) {
      if (s < 0) {
        throw new IllegalArgumentException("split: negative size " + s + " for " + in.describe());
      }
      sum += s;
    }
    if (sum != in.dim(a)) {
      throw new IllegalArgumentException("split: sizes " + java.util.Arrays.toString(sizes) + " sum to " + sum
          + ", axis " + a + " of " + in.describe() + " is " + in.dim(a));
    }
    Tensor[] outs = new Tensor[sizes.length];
    try {
      for (int i = 0; i < sizes.length; i++) {
        outs[i] = Tensor.empty(in.shape().withDim(a, sizes[i]), in.dtype(), in.device());
      }
      split(outs, in, axis);
    } catch (RuntimeException e) {
      for (Tensor t : outs) {
        if (t != null) {
          t.close();
        }
      }
      throw e;
    }
    return outs;
  }

  /** Writes consecutive parts of {@code in} along {@code axis} into {@code outs} (the inverse of concat). */
  public static void split(Tensor[] outs, Tensor in, int axis) {
    String op = "split";
    long[] dims = checkParts(op, in, axis, outs);
    int a = in.shape().normalizeAxis(axis, op);
    long[] addr = new long[outs.length];
    for (int i = 0; i < outs.length; i++) {
      addr[i] = outs[i].dataAddress();
    }
    Device dev = in.device();
    Shape s = in.shape();
    int status = dev.isCpu()
        ? TensorOpsBinding.s4j_split_cpu(addr, in.dataAddress(), dims, outs.length, s.outer(a), s.inner(a),
            in.dtype().code())
        : TensorOpsBinding.s4j_split_cuda(addr, in.dataAddress(), dims, outs.length, s.outer(a), s.inner(a),
            in.dtype().code(), CudaStream.currentHandle(dev));
    NativeStatus.check(status, op + " of " + in.describe());
  }

  /** index_select: a new tensor with out[..., j, ...] = in[..., idx[j], ...] along {@code axis}; idx is I32 (n). */
  public static Tensor gather(Tensor in, int axis, Tensor idx) {
    int a = in.shape().normalizeAxis(axis, "gather");
    Tensor out = Tensor.empty(in.shape().withDim(a, idx.numel()), in.dtype(), in.device());
    return guard(out, () -> gather(out, in, axis, idx));
  }

  /** index_select into {@code out} (in.shape with axis size idx.numel()); bad indices throw naming the index. */
  public static void gather(Tensor out, Tensor in, int axis, Tensor idx) {
    String op = "gather";
    Device dev = Checks.sameDevice(op, out, in, idx);
    int a = in.shape().normalizeAxis(axis, op);
    Checks.dtype(op, "idx", idx, DType.I32);
    Checks.rank(op, "idx", idx, 1);
    Checks.contiguous(op, "idx", idx);
    Checks.dtype(op, "out", out, in.dtype());
    Checks.contiguous(op, "in", in);
    Checks.contiguous(op, "out", out);
    Checks.shape(op, "out", out, in.shape().withDim(a, idx.numel()));
    Shape s = in.shape();
    try (Tensor flag = Tensor.zeros(Shape.of(2), DType.I32, dev)) {
      int status = dev.isCpu()
          ? TensorOpsBinding.s4j_gather_cpu(out.dataAddress(), in.dataAddress(), idx.dataAddress(), flag.dataAddress(),
              s.outer(a), s.dim(a), s.inner(a), idx.numel(), in.dtype().code())
          : TensorOpsBinding.s4j_gather_cuda(out.dataAddress(), in.dataAddress(), idx.dataAddress(),
              flag.dataAddress(), s.outer(a), s.dim(a), s.inner(a), idx.numel(), in.dtype().code(),
              CudaStream.currentHandle(dev));
      if (status == NativeStatus.OK || status == NativeStatus.INVALID_ARGUMENT) {
        int[] f = flag.toIntArray();
        if (f[0] != 0) {
          throw new IndexOutOfBoundsException(op + ": index " + f[1] + " is out of range for axis " + a + " of size "
              + s.dim(a) + " of " + in.describe());
        }
      }
      NativeStatus.check(status, op + " of " + in.describe());
    }
  }

  /** Sets every element of the contiguous tensor {@code t} to {@code value} (rounded to bf16 / truncated to int). */
  public static void fill(Tensor t, float value) {
    String op = "fill";
    Device dev = Checks.sameDevice(op, t);
    Checks.contiguous(op, "t", t);
    int status = dev.isCpu()
        ? TensorOpsBinding.s4j_fill_cpu(t.dataAddress(), t.numel(), value, t.dtype().code())
        : TensorOpsBinding.s4j_fill_cuda(t.dataAddress(), t.numel(), value, t.dtype().code(),
            CudaStream.currentHandle(dev));
    NativeStatus.check(status, op + " of " + t.describe());
  }

  /** A new tensor of the given shape, dtype and device filled with {@code value}. */
  public static Tensor full(Shape shape, DType dtype, Device device, float value) {
    Tensor t = Tensor.empty(shape, dtype, device);
    return guard(t, () -> fill(t, value));
  }

  private static long[] checkParts(String op, Tensor whole, int axis, Tensor[] parts) {
    if (parts.length == 0) {
      throw new IllegalArgumentException(op + ": needs at least one part");
    }
    Tensor[] all = new Tensor[parts.length + 1];
    all[0] = whole;
    System.arraycopy(parts, 0, all, 1, parts.length);
    Checks.sameDevice(op, all);
    Checks.sameDtype(op, all);
    int a = whole.shape().normalizeAxis(axis, op);
    long[] dims = new long[parts.length];
    long total = 0;
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].numel() > 0) {
        Checks.contiguous(op, "part " + i, parts[i]);
      }
      if (parts[i].rank() != whole.rank()
          || !parts[i].shape().withDim(a, 0).equals(whole.shape().withDim(a, 0))) {
        throw new IllegalArgumentException(op + ": part " + i + " " + parts[i].describe()
            + " does not match " + whole.describe() + " outside axis " + a);
      }
      dims[i] = parts[i].dim(a);
      total += dims[i];
    }
    Checks.contiguous(op, "whole", whole);
    if (total != whole.dim(a)) {
      throw new IllegalArgumentException(op + ": parts sum to " + total + " along axis " + a + ", but "
          + whole.describe() + " has " + whole.dim(a));
    }
    return dims;
  }

  private static void checkRank2(Tensor in) {
    in.checkOpen("transpose_last2");
    if (in.rank() < 2) {
      throw new IllegalArgumentException("transpose_last2: needs rank >= 2, got " + in.describe());
    }
  }

  static Tensor guard(Tensor out, Runnable fill) {
    try {
      fill.run();
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
    return out;
  }
}
