package dev.shard4j.nativelib;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code shard4j/memory.h}: host and device allocation, thread settings, CPU features, copies, device
 * discovery and streams. Names mirror the C functions; addresses travel as {@code long}.
 */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/memory.h", library = "jnishard4j"))
public final class MemoryBinding {
  static {
    Loader.load();
  }

  private MemoryBinding() {}

  public static native int s4j_host_alloc(long bytes, @Cast("void**") long[] out);

  public static native int s4j_host_free(@Cast("void*") long ptr, long bytes);

  public static native long s4j_host_live_count();

  public static native long s4j_host_live_bytes();

  public static native int s4j_cpu_set_num_threads(int threads);

  public static native int s4j_cpu_get_num_threads();

  public static native int s4j_cpu_features();

  public static native int s4j_memset_cpu(@Cast("void*") long dst, int value, long bytes);

  public static native int s4j_memset_cuda(@Cast("void*") long dst, int value, long bytes, @Cast("void*") long stream);

  public static native int s4j_memcpy_cpu(@Cast("void*") long dst, @Cast("const void*") long src, long bytes);

  public static native int s4j_cuda_device_count(int[] count);

  public static native int s4j_cuda_device_info(
      int device, @Cast("char*") byte[] name, int nameCapacity, @Cast("int64_t*") long[] totalBytes,
      int[] ccMajor, int[] ccMinor);

  public static native @Cast("const char*") BytePointer s4j_cuda_last_error_string();

  public static native int s4j_cuda_set_device(int device);

  public static native int s4j_cuda_malloc(int device, long bytes, @Cast("void**") long[] out);

  public static native int s4j_cuda_free(int device, @Cast("void*") long ptr);

  public static native int s4j_cuda_stream_create(int device, @Cast("void**") long[] stream);

  public static native int s4j_cuda_stream_destroy(@Cast("void*") long stream);

  public static native int s4j_cuda_stream_synchronize(@Cast("void*") long stream);

  public static native int s4j_cuda_memcpy(
      @Cast("void*") long dst, @Cast("const void*") long src, long bytes, int kind, @Cast("void*") long stream);

  public static native int s4j_memcpy_cuda(
      @Cast("void*") long dst, @Cast("const void*") long src, long bytes, @Cast("void*") long stream);
}
