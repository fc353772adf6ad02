package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code shard4j/copy.h}: strided copy with dtype conversion. */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/copy.h", library = "jnishard4j"))
public final class CopyBinding {
  static {
    Loader.load();
  }

  private CopyBinding() {}

  public static native int s4j_copy_strided_cpu(@Cast("void*") long dst, int dstDtype, @Cast("const void*") long src,
      int srcDtype, int ndim, @Cast("const int64_t*") long[] shape, @Cast("const int64_t*") long[] srcStrides);

  public static native int s4j_copy_strided_cuda(@Cast("void*") long dst, int dstDtype, @Cast("const void*") long src,
      int srcDtype, int ndim, @Cast("const int64_t*") long[] shape, @Cast("const int64_t*") long[] srcStrides,
      @Cast("void*") long stream);
}
