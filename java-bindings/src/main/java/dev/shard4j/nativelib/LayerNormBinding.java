package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code shard4j/layernorm.h}: layer normalization forward and backward.
 * Addresses are raw native pointers; see the header for shapes.
 */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/layernorm.h", library = "jnishard4j"))
public final class LayerNormBinding {
  static {
    Loader.load();
  }

  private LayerNormBinding() {}

  public static native int s4j_layernorm_forward_cpu(@Cast("void*") long out, @Cast("float*") long mean,
      @Cast("float*") long rstd, @Cast("const void*") long x, @Cast("const void*") long weight,
      @Cast("const void*") long bias, long N, long C, float eps, int dtype);

  public static native int s4j_layernorm_forward_cuda(@Cast("void*") long out, @Cast("float*") long mean,
      @Cast("float*") long rstd, @Cast("const void*") long x, @Cast("const void*") long weight,
      @Cast("const void*") long bias, long N, long C, float eps, int dtype, @Cast("void*") long stream);

  public static native int s4j_layernorm_backward_cpu(@Cast("void*") long dx, @Cast("float*") long dweight,
      @Cast("float*") long dbias, @Cast("const void*") long dout, @Cast("const void*") long x,
      @Cast("const void*") long weight, @Cast("const float*") long mean, @Cast("const float*") long rstd, long N,
      long C, int dtype);

  public static native int s4j_layernorm_backward_cuda(@Cast("void*") long dx, @Cast("float*") long dweight,
      @Cast("float*") long dbias, @Cast("const void*") long dout, @Cast("const void*") long x,
      @Cast("const void*") long weight, @Cast("const float*") long mean, @Cast("const float*") long rstd, long N,
      long C, int dtype, @Cast("void*") long stream);
}
