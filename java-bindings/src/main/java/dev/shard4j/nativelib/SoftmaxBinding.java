package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code shard4j/softmax.h}: row-wise softmax forward and backward with optional causal mask.
 * Addresses are raw native pointers; see the header for shapes.
 */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/softmax.h", library = "jnishard4j"))
public final class SoftmaxBinding {
  static {
    Loader.load();
  }

  private SoftmaxBinding() {}

  public static native int s4j_softmax_forward_cpu(@Cast("void*") long out, @Cast("const void*") long x, long rows,
      long cols, int causal, int dtype);

  public static native int s4j_softmax_forward_cuda(@Cast("void*") long out, @Cast("const void*") long x, long rows,
      long cols, int causal, int dtype, @Cast("void*") long stream);

  public static native int s4j_softmax_backward_cpu(@Cast("void*") long dx, @Cast("const void*") long y,
      @Cast("const void*") long dy, long rows, long cols, int dtype);

  public static native int s4j_softmax_backward_cuda(@Cast("void*") long dx, @Cast("const void*") long y,
      @Cast("const void*") long dy, long rows, long cols, int dtype, @Cast("void*") long stream);
}
