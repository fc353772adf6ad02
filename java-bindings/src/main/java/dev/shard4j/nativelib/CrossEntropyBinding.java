package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code shard4j/crossentropy.h}: cross-entropy over rows of logits (n rows x v classes) with int32
 * targets, via a stable log-softmax, Addresses are raw device or host pointers.
 */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/crossentropy.h", library = "jnishard4j"))
public final class CrossEntropyBinding {
  static {
    Loader.load();
  }

  private CrossEntropyBinding() {}

  public static native int s4j_cross_entropy_forward_cpu(@Cast("float*") long loss, @Cast("float*") long lse,
      @Cast("const void*") long logits, @Cast("const int32_t*") long targets, long n, long v, long ignoreIndex,
      int dtype);

  public static native int s4j_cross_entropy_forward_cuda(@Cast("float*") long loss, @Cast("float*") long lse,
      @Cast("const void*") long logits, @Cast("const int32_t*") long targets, long n, long v, long ignoreIndex,
      int dtype, @Cast("void*") long stream);

  public static native int s4j_cross_entropy_backward_cpu(@Cast("void*") long dlogits,
      @Cast("const void*") long logits, @Cast("const float*") long lse, @Cast("const int32_t*") long targets,
      @Cast("const float*") long dloss, long dlossStride, float scale, long n, long v, long ignoreIndex, int dtype);

  public static native int s4j_cross_entropy_backward_cuda(@Cast("void*") long dlogits,
      @Cast("const void*") long logits, @Cast("const float*") long lse, @Cast("const int32_t*") long targets,
      @Cast("const float*") long dloss, long dlossStride, float scale, long n, long v, long ignoreIndex, int dtype,
      @Cast("void*") long stream);

  public static native int s4j_vp_cross_entropy_local_max_cpu(@Cast("float*") long rowMax,
      @Cast("const void*") long logits, long n, long v, int dtype);

  public static native int s4j_vp_cross_entropy_local_max_cuda(@Cast("float*") long rowMax,
      @Cast("const void*") long logits, long n, long v, int dtype, @Cast("void*") long stream);

  public static native int s4j_vp_cross_entropy_local_stats_cpu(@Cast("float*") long sumExp,
      @Cast("float*") long targetLogit, @Cast("const void*") long logits, @Cast("const float*") long globalMax,
      @Cast("const int32_t*") long targets, long n, long v, long vocabStart, int dtype);

  public static native int s4j_vp_cross_entropy_local_stats_cuda(@Cast("float*") long sumExp,
      @Cast("float*") long targetLogit, @Cast("const void*") long logits, @Cast("const float*") long globalMax,
      @Cast("const int32_t*") long targets, long n, long v, long vocabStart, int dtype, @Cast("void*") long stream);

  public static native int s4j_vp_cross_entropy_backward_cpu(@Cast("void*") long dlogits,
      @Cast("const void*") long logits, @Cast("const float*") long globalMax, @Cast("const float*") long globalSum,
      @Cast("const int32_t*") long targets, @Cast("const float*") long dloss, long dlossStride, float scale, long n,
      long v, long vocabStart, long ignoreIndex, int dtype);

  public static native int s4j_vp_cross_entropy_backward_cuda(@Cast("void*") long dlogits,
      @Cast("const void*") long logits, @Cast("const float*") long globalMax, @Cast("const float*") long globalSum,
      @Cast("const int32_t*") long targets, @Cast("const float*") long dloss, long dlossStride, float scale, long n,
      long v, long vocabStart, long ignoreIndex, int dtype, @Cast("void*") long stream);
}
