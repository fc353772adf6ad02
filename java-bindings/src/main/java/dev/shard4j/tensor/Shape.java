package dev.shard4j.tensor;

import java.util.Arrays;

/**
 * Immutable list of dimension sizes of a tensor (row-major order). {@code toString()} prints {@code [4, 8]}, the
 * form every error message uses.
 */
public final class Shape {
  private final long[] dims;
  private final long numel;

  private Shape(long[] dims) {
    long n = 1;
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("shape: negative dimension in " + Arrays.toString(dims));
      }
      n = Math.multiplyExact(n, d);
    }
    this.dims = dims;
    this.numel = n;
  }

  /** A shape with the given dimensions; a scalar when none are given. */
  public static Shape of(long... dims) {
    return new Shape(dims.clone());
  }

  /** A shape from int dimensions. */
  public static Shape of(int... dims) {
    long[] l = new long[dims.length];
    for (int i = 0; i < dims.length; i++) {
      l[i] = dims[i];
    }
    return new Shape(l);
  }

  public int rank() {
    return dims.length;
  }

  /** Size of dimension {@code axis}; negative axes count from the end. */
  public long dim(int axis) {
    return dims[normalizeAxis(axis, "dim")];
  }

  /** Number of elements (1 for a scalar). */
  public long numel() {
    return numel;
  }

  /** A copy of the dimensions. */
  public long[] toArray() {
    return dims.clone();
  }

  /** Returns {@code axis} in {@code [0, rank)}, accepting negative axes, or throws naming the operation. */
  public int normalizeAxis(int axis, String op) {
    int a = axis < 0 ? axis + dims.length : axis;
    if (a < 0 || a >= dims.length) {
      throw new IllegalArgumentException(
          op + ": axis " + axis + " is out of range for a tensor of shape " + this + " (rank " + dims.length + ")");
    }
    return a;
  }

  /** Row-major (C-contiguous) strides in elements. */
  public long[] contiguousStrides() {
    long[] s = new long[dims.length];
    long acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= Math.max(dims[i], 1);
    }
    return s;
  }

  /** Product of the dimensions before {@code axis} (rows, when the tensor is viewed as [outer, dim, inner]). */
  public long outer(int axis) {
    long n = 1;
    for (int i = 0; i < axis; i++) {
      n *= dims[i];
    }
    return n;
  }

  /** Product of the dimensions after {@code axis}. */
  public long inner(int axis) {
    long n = 1;
    for (int i = axis + 1; i < dims.length; i++) {
      n *= dims[i];
    }
    return n;
  }

  /** This shape with dimension {@code axis} replaced by {@code size}. */
  public Shape withDim(int axis, long size) {
    long[] d = dims.clone();
    d[normalizeAxis(axis, "withDim")] = size;
    return new Shape(d);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape && Arrays.equals(dims, ((Shape) o).dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
