package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code shard4j/reduce.h}: axis and whole-buffer reductions (sum, max, sum of squares).
 * Addresses are raw native pointers; see the header for shapes.
 */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/reduce.h", library = "jnishard4j"))
public final class ReduceBinding {
  static {
    Loader.load();
  }

  private ReduceBinding() {}

  public static native int s4j_sum_axis_cpu(@Cast("void*") long out, @Cast("const void*") long x, long outer, long n,
      long inner, int dtype);

  public static native int s4j_sum_axis_cuda(@Cast("void*") long out, @Cast("const void*") long x, long outer, long n,
      long inner, int dtype, @Cast("void*") long stream);

  public static native int s4j_max_axis_cpu(@Cast("void*") long out, @Cast("const void*") long x, long outer, long n,
      long inner, int dtype);

  public static native int s4j_max_axis_cuda(@Cast("void*") long out, @Cast("const void*") long x, long outer, long n,
      long inner, int dtype, @Cast("void*") long stream);

  public static native int s4j_sum_squares_cpu(@Cast("float*") long out, @Cast("const void*") long x, long n,
      int dtype);

  public static native int s4j_sum_squares_cuda(@Cast("float*") long out, @Cast("const void*") long x, long n,
      int dtype, @Cast("void*") long stream);

  public static native int s4j_max_all_cpu(@Cast("float*") long out, @Cast("const void*") long x, long n, int dtype);

  public static native int s4j_max_all_cuda(@Cast("float*") long out, @Cast("const void*") long x, long n, int dtype,
      @Cast("void*") long stream);
}
