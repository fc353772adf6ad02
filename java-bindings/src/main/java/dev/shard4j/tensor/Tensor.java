package dev.shard4j.tensor;

import dev.shard4j.nativelib.CopyBinding;
import dev.shard4j.nativelib.MemoryBinding;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * An n-dimensional array in host or device memory: storage plus shape, strides (in elements) and offset. Views
 * ({@link #slice}, {@link #transpose}, {@link #reshape} of a contiguous tensor) share storage; the storage is freed
 * when the last tensor referencing it is closed. Tensors created while a {@link Scope} is open are closed by it.
 * Any use after {@link #close()} throws {@link IllegalStateException}.
 *
 * <p>Not thread-safe: a tensor is used by one thread at a time (collectives hand buffers across threads with their
 * own happens-before edges).
 */
public final class Tensor implements AutoCloseable {
  private final Storage storage;
  private final Shape shape;
  private final long[] strides;
  private final long offset;
  private final DType dtype;
  private boolean closed;

  private Tensor(Storage storage, Shape shape, long[] strides, long offset, DType dtype) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
    Scope.register(this);
  }

  // ---- creation -------------------------------------------------------------------------------------------------

  /** An uninitialized contiguous tensor. */
  public static Tensor empty(Shape shape, DType dtype, Device device) {
    if (shape.rank() > 8) {
      throw new IllegalArgumentException("empty: rank " + shape.rank() + " exceeds the maximum of 8, shape " + shape);
    }
    Storage s = Storage.allocate(device, shape.numel() * dtype.byteSize());
    return new Tensor(s, shape, shape.contiguousStrides(), 0, dtype);
  }

  /** An uninitialized fp32 CPU tensor. */
  public static Tensor empty(long... dims) {
    return empty(Shape.of(dims), DType.F32, Device.CPU);
  }

  /** A zero-filled contiguous tensor. */
  public static Tensor zeros(Shape shape, DType dtype, Device device) {
    Tensor t = empty(shape, dtype, device);
    long bytes = shape.numel() * dtype.byteSize();
    int status = device.isCpu()
        ? MemoryBinding.s4j_memset_cpu(t.dataAddress(), 0, bytes)
        : MemoryBinding.s4j_memset_cuda(t.dataAddress(), 0, bytes, CudaStream.currentHandle(device));
    NativeStatus.check(status, "zeros " + shape);
    return t;
  }

  /** A zero-filled fp32 CPU tensor. */
  public static Tensor zeros(long... dims) {
    return zeros(Shape.of(dims), DType.F32, Device.CPU);
  }

  /** An fp32 CPU tensor holding a copy of {@code data}, whose length must equal the product of {@code dims}. */
  public static Tensor fromArray(float[] data, long... dims) {
    return fromArray(data, Shape.of(dims), DType.F32, Device.CPU);
  }

  /** A tensor of the given dtype and device holding {@code data} (rounded to bf16 when dtype is BF16). */
  public static Tensor fromArray(float[] data, Shape shape, DType dtype, Device device) {
    if (data.length != shape.numel()) {
      throw new IllegalArgumentException(
          "fromArray: array has " + data.length + " elements, shape " + shape + " needs " + shape.numel());
    }
    Tensor t = empty(shape, dtype, device);
    try {
      t.copyFrom(data);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    return t;
  }

  /** An int32 CPU tensor holding a copy of {@code data}, whose length must equal the product of {@code dims}. */
  public static Tensor fromIntArray(int[] data, long... dims) {
    Shape shape = Shape.of(dims);
    if (data.length != shape.numel()) {
      throw new IllegalArgumentException(
          "fromIntArray: array has " + data.length + " elements, shape " + shape + " needs " + shape.numel());
    }
    Tensor t = empty(shape, DType.I32, Device.CPU);
    if (data.length > 0) {
      new IntPointer(new RawPointer(t.dataAddress(), (long) data.length * 4)).put(data, 0, data.length);
    }
    return t;
  }

  // ---- properties -----------------------------------------------------------------------------------------------

  public Shape shape() {
    return shape;
  }

  public DType dtype() {
    return dtype;
  }

  public Device device() {
    return storage.device();
  }

  public long numel() {
    return shape.numel();
  }

  public int rank() {
    return shape.rank();
  }

  /** Size of dimension {@code axis} (negative counts from the end). */
  public long dim(int axis) {
    return shape.dim(axis);
  }

  /** Strides in elements (a copy). */
  public long[] strides() {
    return strides.clone();
  }

  /** Offset of the first element in the storage, in elements. */
  public long storageOffset() {
    return offset;
  }

  /** True when elements are laid out densely in row-major order. */
  public boolean isContiguous() {
    if (numel() == 0) {
      return true;
    }
    long expected = 1;
    long[] dims = shape.toArray();
    for (int i = dims.length - 1; i >= 0; i--) {
      if (dims[i] != 1 && strides[i] != expected) {
        return false;
      }
      expected *= dims[i];
    }
    return true;
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Address of the first element, for kernel bindings. Valid until this tensor (and every view of its storage) is
   * closed; the caller must not free it. Throws if the tensor is closed.
   */
  public long dataAddress() {
    checkOpen("dataAddress");
    return storage.address() + offset * dtype.byteSize();
  }

  /** Throws {@link IllegalStateException} naming {@code op} if this tensor has been closed. */
  public void checkOpen(String op) {
    if (closed || storage.isFreed()) {
      throw new IllegalStateException(op + ": tensor " + describe() + " is closed");
    }
  }

  /** Short description used in error messages: {@code [4, 8] f32 cpu}. */
  public String describe() {
    return shape + " " + dtype.name().toLowerCase(java.util.Locale.ROOT) + " " + storage.device();
  }

  // ---- views ----------------------------------------------------------------------------------------------------

  /** A view of {@code [start, end)} along {@code axis}. */
  public Tensor slice(int axis, long start, long end) {
    checkOpen("slice");
    int a = shape.normalizeAxis(axis, "slice");
    long n = shape.dim(a);
    if (start < 0 || end < start || end > n) {
      throw new IllegalArgumentException(
          "slice: range [" + start + ", " + end + ") is out of bounds for axis " + a + " of size " + n + " in " + describe());
    }
    storage.retain();
    return new Tensor(storage, shape.withDim(a, end - start), strides.clone(), offset + start * strides[a], dtype);
  }

  /** A view with axes {@code a} and {@code b} swapped. */
  public Tensor transpose(int a, int b) {
    checkOpen("transpose");
    int[] perm = new int[rank()];
    for (int i = 0; i < perm.length; i++) {
      perm[i] = i;
    }
    int x = shape.normalizeAxis(a, "transpose");
    int y = shape.normalizeAxis(b, "transpose");
    perm[x] = y;
    perm[y] = x;
    return permute(perm);
  }

  /** A view whose axis {@code i} is this tensor's axis {@code perm[i]}. */
  public Tensor permute(int... perm) {
    checkOpen("permute");
    if (perm.length != rank()) {
      throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " has " + perm.length
          + " axes, tensor " + describe() + " has " + rank());
    }
    boolean[] seen = new boolean[perm.length];
    long[] dims = new long[perm.length];
    long[] st = new long[perm.length];
    for (int i = 0; i < perm.length; i++) {
      int p = shape.normalizeAxis(perm[i], "permute");
      if (seen[p]) {
        throw new IllegalArgumentException("permute: axis " + p + " repeats in " + Arrays.toString(perm));
      }
      seen[p] = true;
      dims[i] = shape.dim(p);
      st[i] = strides[p];
    }
    storage.retain();
    return new Tensor(storage, Shape.of(dims), st, offset, dtype);
  }

  /**
   * The same elements with a new shape; one dimension may be -1 and is inferred. A view when this tensor is
   * contiguous, otherwise a contiguous copy.
   */
  public Tensor reshape(long... dims) {
    checkOpen("reshape");
    long[] d = dims.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < d.length; i++) {
      if (d[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(dims));
        }
        infer = i;
      } else {
        known *= d[i];
      }
    }
    if (infer >= 0) {
      if (known == 0 || numel() % known != 0) {
        throw new IllegalArgumentException("reshape: cannot infer -1 in " + Arrays.toString(dims) + " for " + describe());
      }
      d[infer] = numel() / known;
    }
    Shape target = Shape.of(d);
    if (target.numel() != numel()) {
      throw new IllegalArgumentException("reshape: " + describe() + " has " + numel() + " elements, shape " + target
          + " needs " + target.numel());
    }
    if (isContiguous()) {
      storage.retain();
      return new Tensor(storage, target, target.contiguousStrides(), offset, dtype);
    }
    Tensor c = contiguous();
    Tensor r = c.reshape(d);
    c.close();
    return r;
  }

  // ---- copies ---------------------------------------------------------------------------------------------------

  /** This tensor if contiguous (a new reference that must be closed too), otherwise a contiguous copy. */
  public Tensor contiguous() {
    checkOpen("contiguous");
    if (isContiguous()) {
      storage.retain();
      return new Tensor(storage, shape, strides.clone(), offset, dtype);
    }
    return to(dtype);
  }

  /** A contiguous copy converted to {@code target} (a copy even when the dtype is the same). */
  public Tensor to(DType target) {
    checkOpen("to(" + target + ")");
    Tensor out = empty(shape, target, device());
    try {
      copyStrided(out, this);
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
    return out;
  }

  /** A contiguous copy on {@code target}. */
  public Tensor to(Device target) {
    checkOpen("to(" + target + ")");
    Tensor src = contiguous();
    try {
      Tensor out = empty(shape, dtype, target);
      long bytes = numel() * dtype.byteSize();
      int status;
      if (device().isCpu() && target.isCpu()) {
        status = MemoryBinding.s4j_memcpy_cpu(out.dataAddress(), src.dataAddress(), bytes);
      } else {
        Device cuda = target.isCuda() ? target : device();
        int kind = device().isCpu() ? 0 : target.isCpu() ? 1 : 2;
        status = MemoryBinding.s4j_cuda_memcpy(out.dataAddress(), src.dataAddress(), bytes, kind,
            CudaStream.currentHandle(cuda));
        if (status == NativeStatus.OK) {
          status = MemoryBinding.s4j_cuda_stream_synchronize(CudaStream.currentHandle(cuda));
        }
      }
      if (status != NativeStatus.OK) {
        out.close();
        NativeStatus.check(status, "to(" + target + ") of " + describe());
      }
      return out;
    } finally {
      src.close();
    }
  }

  /** A contiguous copy with the same dtype and device. */
  public Tensor copy() {
    return to(dtype);
  }

  /** Copies {@code src} (same shape, any dtype, same device, any strides) into this contiguous tensor. */
  public void copyFrom(Tensor src) {
    checkOpen("copyFrom");
    src.checkOpen("copyFrom");
    if (!src.shape.equals(shape)) {
      throw new IllegalArgumentException("copyFrom: shapes differ: destination is " + describe() + ", source is "
          + src.describe());
    }
    if (!isContiguous()) {
      throw new IllegalArgumentException("copyFrom: destination " + describe() + " must be contiguous");
    }
    if (src.device().equals(device())) {
      copyStrided(this, src);
      return;
    }
    try (Tensor moved = src.to(device())) {
      copyStrided(this, moved);
    }
  }

  /** Copies {@code data} (converted to this dtype) into this contiguous tensor. */
  public void copyFrom(float[] data) {
    checkOpen("copyFrom");
    if (dtype == DType.I32) {
      throw new IllegalArgumentException("copyFrom: tensor " + describe() + " holds integers; use fromIntArray()");
    }
    if (data.length != numel()) {
      throw new IllegalArgumentException("copyFrom: array has " + data.length + " elements, tensor " + describe()
          + " has " + numel());
    }
    if (!isContiguous()) {
      throw new IllegalArgumentException("copyFrom: tensor " + describe() + " must be contiguous");
    }
    if (device().isCuda()) {
      try (Tensor host = fromArray(data, shape, dtype, Device.CPU)) {
        copyHostToDevice(host);
      }
      return;
    }
    long bytes = numel() * dtype.byteSize();
    RawPointer raw = new RawPointer(dataAddress(), bytes);
    if (dtype == DType.F32) {
      new FloatPointer(raw).put(data, 0, data.length);
    } else {
      short[] bits = new short[data.length];
      for (int i = 0; i < data.length; i++) {
        bits[i] = DType.toBf16(data[i]);
      }
      new ShortPointer(raw).put(bits, 0, bits.length);
    }
  }

  /** The elements in row-major order as fp32 (bf16 widened exactly). */
  public float[] toFloatArray() {
    checkOpen("toFloatArray");
    if (dtype == DType.I32) {
      throw new IllegalArgumentException("toFloatArray: tensor " + describe() + " holds integers; use toIntArray()");
    }
    if (numel() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("toFloatArray: " + describe() + " has more elements than a Java array holds");
    }
    if (!isContiguous() || device().isCuda()) {
      try (Tensor c = contiguous(); Tensor host = c.to(Device.CPU)) {
        return host.toFloatArray();
      }
    }
    int n = (int) numel();
    float[] out = new float[n];
    RawPointer raw = new RawPointer(dataAddress(), (long) n * dtype.byteSize());
    if (dtype == DType.F32) {
      new FloatPointer(raw).get(out, 0, n);
    } else {
      short[] bits = new short[n];
      new ShortPointer(raw).get(bits, 0, n);
      for (int i = 0; i < n; i++) {
        out[i] = DType.fromBf16(bits[i]);
      }
    }
    return out;
  }

  /** The elements of an int32 tensor in row-major order (copied to the host when needed). */
  public int[] toIntArray() {
    checkOpen("toIntArray");
    if (dtype != DType.I32) {
      throw new IllegalArgumentException("toIntArray: tensor " + describe() + " is not I32");
    }
    if (numel() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("toIntArray: " + describe() + " has more elements than a Java array holds");
    }
    if (!isContiguous() || device().isCuda()) {
      try (Tensor c = contiguous(); Tensor host = c.to(Device.CPU)) {
        return host.toIntArray();
      }
    }
    int n = (int) numel();
    int[] out = new int[n];
    if (n > 0) {
      new IntPointer(new RawPointer(dataAddress(), (long) n * 4)).get(out, 0, n);
    }
    return out;
  }

  /** The single element of a one-element tensor, as fp32. */
  public float item() {
    if (numel() != 1) {
      throw new IllegalArgumentException("item: tensor " + describe() + " has " + numel() + " elements, not 1");
    }
    return toFloatArray()[0];
  }

  private void copyHostToDevice(Tensor host) {
    long bytes = numel() * dtype.byteSize();
    long stream = CudaStream.currentHandle(device());
    NativeStatus.check(MemoryBinding.s4j_cuda_memcpy(dataAddress(), host.dataAddress(), bytes, 0, stream),
        "copy to " + describe());
    NativeStatus.check(MemoryBinding.s4j_cuda_stream_synchronize(stream), "copy to " + describe());
  }

  private static void copyStrided(Tensor dst, Tensor src) {
    long[] dims = src.shape.toArray();
    if ((dst.dtype == DType.I32) != (src.dtype == DType.I32)) {
      throw new IllegalArgumentException("copy: cannot convert between integer and floating data: "
          + src.describe() + " -> " + dst.describe());
    }
    // I32 -> I32 is a 4-byte move, which the f32 path performs bit-exactly.
    int dstCode = dst.dtype == DType.I32 ? DType.F32.code() : dst.dtype.code();
    int srcCode = src.dtype == DType.I32 ? DType.F32.code() : src.dtype.code();
    int status = dst.device().isCpu()
        ? CopyBinding.s4j_copy_strided_cpu(dst.dataAddress(), dstCode, src.dataAddress(), srcCode,
            dims.length, dims, src.strides)
        : CopyBinding.s4j_copy_strided_cuda(dst.dataAddress(), dstCode, src.dataAddress(), srcCode,
            dims.length, dims, src.strides, CudaStream.currentHandle(dst.device()));
    NativeStatus.check(status, "copy " + src.describe() + " -> " + dst.describe());
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------------

  /** Releases this tensor's reference to its storage; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      storage.release();
    }
  }

  @Override
  public String toString() {
    return "Tensor" + describe() + (closed ? " (closed)" : "");
  }
}
