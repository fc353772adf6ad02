package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code shard4j/init.h}: seeded random initialisation with a counter-based generator (Philox4x32-10,
 * key = seed, counter = element Addresses are raw device or host pointers.
 */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/init.h", library = "jnishard4j"))
public final class InitBinding {
  static {
    Loader.load();
  }

  private InitBinding() {}

  public static native int s4j_init_uniform_cpu(@Cast("void*") long out, long n, @Cast("uint64_t") long seed,
      @Cast("uint64_t") long offset, float lo, float hi, int dtype);

  public static native int s4j_init_uniform_cuda(@Cast("void*") long out, long n, @Cast("uint64_t") long seed,
      @Cast("uint64_t") long offset, float lo, float hi, int dtype, @Cast("void*") long stream);

  public static native int s4j_init_normal_cpu(@Cast("void*") long out, long n, @Cast("uint64_t") long seed,
      @Cast("uint64_t") long offset, float mean, float std, int dtype);

  public static native int s4j_init_normal_cuda(@Cast("void*") long out, long n, @Cast("uint64_t") long seed,
      @Cast("uint64_t") long offset, float mean, float std, int dtype, @Cast("void*") long stream);

  public static native int s4j_init_trunc_normal_cpu(@Cast("void*") long out, long n, @Cast("uint64_t") long seed,
      @Cast("uint64_t") long offset, float mean, float std, float a, float b, int dtype);

  public static native int s4j_init_trunc_normal_cuda(@Cast("void*") long out, long n, @Cast("uint64_t") long seed,
      @Cast("uint64_t") long offset, float mean, float std, float a, float b, int dtype, @Cast("void*") long stream);

  public static native int s4j_arange_cpu(@Cast("void*") long out, long n, double start, double step, int dtype);

  public static native int s4j_arange_cuda(@Cast("void*") long out, long n, double start, double step, int dtype,
      @Cast("void*") long stream);
}
