package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code shard4j/elementwise.h}: binary ops, scale, axpy, GELU, bias add, fused bias+GELU.
 * Addresses are raw native pointers; see the header for shapes.
 */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/elementwise.h", library = "jnishard4j"))
public final class ElementwiseBinding {
  static {
    Loader.load();
  }

  private ElementwiseBinding() {}

  public static native int s4j_add_cpu(@Cast("void*") long out, @Cast("const void*") long a,
      @Cast("const void*") long b, long n, int dtype);

  public static native int s4j_add_cuda(@Cast("void*") long out, @Cast("const void*") long a,
      @Cast("const void*") long b, long n, int dtype, @Cast("void*") long stream);

  public static native int s4j_sub_cpu(@Cast("void*") long out, @Cast("const void*") long a,
      @Cast("const void*") long b, long n, int dtype);

  public static native int s4j_sub_cuda(@Cast("void*") long out, @Cast("const void*") long a,
      @Cast("const void*") long b, long n, int dtype, @Cast("void*") long stream);

  public static native int s4j_mul_cpu(@Cast("void*") long out, @Cast("const void*") long a,
      @Cast("const void*") long b, long n, int dtype);

  public static native int s4j_mul_cuda(@Cast("void*") long out, @Cast("const void*") long a,
      @Cast("const void*") long b, long n, int dtype, @Cast("void*") long stream);

  public static native int s4j_scale_cpu(@Cast("void*") long out, @Cast("const void*") long x, float alpha, long n,
      int dtype);

  public static native int s4j_scale_cuda(@Cast("void*") long out, @Cast("const void*") long x, float alpha, long n,
      int dtype, @Cast("void*") long stream);

  public static native int s4j_axpy_cpu(@Cast("void*") long y, @Cast("const void*") long x, float alpha, long n,
      int dtype);

  public static native int s4j_axpy_cuda(@Cast("void*") long y, @Cast("const void*") long x, float alpha, long n,
      int dtype, @Cast("void*") long stream);

  public static native int s4j_gelu_forward_cpu(@Cast("void*") long out, @Cast("const void*") long x, long n,
      int dtype);

  public static native int s4j_gelu_forward_cuda(@Cast("void*") long out, @Cast("const void*") long x, long n,
      int dtype, @Cast("void*") long stream);

  public static native int s4j_gelu_backward_cpu(@Cast("void*") long dx, @Cast("const void*") long x,
      @Cast("const void*") long dy, long n, int dtype);

  public static native int s4j_gelu_backward_cuda(@Cast("void*") long dx, @Cast("const void*") long x,
      @Cast("const void*") long dy, long n, int dtype, @Cast("void*") long stream);

  public static native int s4j_bias_add_cpu(@Cast("void*") long out, @Cast("const void*") long x,
      @Cast("const void*") long bias, long rows, long cols, int dtype, int biasDtype);

  public static native int s4j_bias_add_cuda(@Cast("void*") long out, @Cast("const void*") long x,
      @Cast("const void*") long bias, long rows, long cols, int dtype, int biasDtype, @Cast("void*") long stream);

  public static native int s4j_bias_gelu_forward_cpu(@Cast("void*") long out, @Cast("void*") long pre,
      @Cast("const void*") long x, @Cast("const void*") long bias, long rows, long cols, int dtype, int biasDtype);

  public static native int s4j_bias_gelu_forward_cuda(@Cast("void*") long out, @Cast("void*") long pre,
      @Cast("const void*") long x, @Cast("const void*") long bias, long rows, long cols, int dtype, int biasDtype,
      @Cast("void*") long stream);

  public static native int s4j_bias_gelu_backward_cpu(@Cast("void*") long dx, @Cast("float*") long dbias,
      @Cast("const void*") long x, @Cast("const void*") long bias, @Cast("const void*") long dy, long rows, long cols,
      int dtype, int biasDtype);

  public static native int s4j_bias_gelu_backward_cuda(@Cast("void*") long dx, @Cast("float*") long dbias,
      @Cast("const void*") long x, @Cast("const void*") long bias, @Cast("const void*") long dy, long rows, long cols,
      int dtype, int biasDtype, @Cast("void*") long stream);
}
