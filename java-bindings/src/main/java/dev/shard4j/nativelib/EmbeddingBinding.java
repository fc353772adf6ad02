package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code shard4j/embedding.h}: embedding lookup and its scatter-add backward, with an optional vocab
 * range for vocab-parallel tables. Addresses are raw device or host pointers.
 */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/embedding.h", library = "jnishard4j"))
public final class EmbeddingBinding {
  static {
    Loader.load();
  }

  private EmbeddingBinding() {}

  public static native int s4j_embedding_forward_cpu(@Cast("void*") long out, @Cast("const void*") long table,
      @Cast("const int32_t*") long ids, @Cast("int32_t*") long badId, long nIds, long dim, long vocabStart,
      long vocabEnd, int strict, int dtype);

  public static native int s4j_embedding_forward_cuda(@Cast("void*") long out, @Cast("const void*") long table,
      @Cast("const int32_t*") long ids, @Cast("int32_t*") long badId, long nIds, long dim, long vocabStart,
      long vocabEnd, int strict, int dtype, @Cast("void*") long stream);

  public static native int s4j_embedding_backward_cpu(@Cast("float*") long dtable, @Cast("const void*") long dout,
      @Cast("const int32_t*") long ids, @Cast("int32_t*") long badId, long nIds, long dim, long vocabStart,
      long vocabEnd, int strict, int doutDtype);

  public static native int s4j_embedding_backward_cuda(@Cast("float*") long dtable, @Cast("const void*") long dout,
      @Cast("const int32_t*") long ids, @Cast("int32_t*") long badId, long nIds, long dim, long vocabStart,
      long vocabEnd, int strict, int doutDtype, @Cast("void*") long stream);
}
