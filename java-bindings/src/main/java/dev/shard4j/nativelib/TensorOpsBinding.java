package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code shard4j/tensor_ops.h}: layout kernels used by sharding: transpose, slice, concat, split,
 * gather (index_select), fill. Addresses are raw device or host pointers.
 */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/tensor_ops.h", library = "jnishard4j"))
public final class TensorOpsBinding {
  static {
    Loader.load();
  }

  private TensorOpsBinding() {}

  public static native int s4j_transpose_last2_cpu(@Cast("void*") long out, @Cast("const void*") long in, long b,
      long r, long c, int dtype);

  public static native int s4j_transpose_last2_cuda(@Cast("void*") long out, @Cast("const void*") long in, long b,
      long r, long c, int dtype, @Cast("void*") long stream);

  public static native int s4j_slice_cpu(@Cast("void*") long out, @Cast("const void*") long in, long outer, long d,
      long inner, long start, long len, int dtype);

  public static native int s4j_slice_cuda(@Cast("void*") long out, @Cast("const void*") long in, long outer, long d,
      long inner, long start, long len, int dtype, @Cast("void*") long stream);

  public static native int s4j_concat_cpu(@Cast("void*") long out, @Cast("const int64_t*") long[] inputs,
      @Cast("const int64_t*") long[] dims, int k, long outer, long inner, int dtype);

  public static native int s4j_concat_cuda(@Cast("void*") long out, @Cast("const int64_t*") long[] inputs,
      @Cast("const int64_t*") long[] dims, int k, long outer, long inner, int dtype, @Cast("void*") long stream);

  public static native int s4j_split_cpu(@Cast("const int64_t*") long[] outputs, @Cast("const void*") long in,
      @Cast("const int64_t*") long[] dims, int k, long outer, long inner, int dtype);

  public static native int s4j_split_cuda(@Cast("const int64_t*") long[] outputs, @Cast("const void*") long in,
      @Cast("const int64_t*") long[] dims, int k, long outer, long inner, int dtype, @Cast("void*") long stream);

  public static native int s4j_gather_cpu(@Cast("void*") long out, @Cast("const void*") long in,
      @Cast("const int32_t*") long idx, @Cast("int32_t*") long badIdx, long outer, long d, long inner, long nIdx,
      int dtype);

  public static native int s4j_gather_cuda(@Cast("void*") long out, @Cast("const void*") long in,
      @Cast("const int32_t*") long idx, @Cast("int32_t*") long badIdx, long outer, long d, long inner, long nIdx,
      int dtype, @Cast("void*") long stream);

  public static native int s4j_fill_cpu(@Cast("void*") long out, long n, float value, int dtype);

  public static native int s4j_fill_cuda(@Cast("void*") long out, long n, float value, int dtype,
      @Cast("void*") long stream);
}
