package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code shard4j/adamw.h}: fused optimizer updates over flat f32 buffers, one pass over memory, PyTorch
 * semantics. Addresses are raw device or host pointers.
 */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/adamw.h", library = "jnishard4j"))
public final class AdamWBinding {
  static {
    Loader.load();
  }

  private AdamWBinding() {}

  public static native int s4j_adamw_cpu(@Cast("float*") long param, @Cast("float*") long m, @Cast("float*") long v,
      @Cast("const float*") long grad, long n, float lr, float beta1, float beta2, float eps, float weightDecay,
      long step, float gradScale);

  public static native int s4j_adamw_cuda(@Cast("float*") long param, @Cast("float*") long m, @Cast("float*") long v,
      @Cast("const float*") long grad, long n, float lr, float beta1, float beta2, float eps, float weightDecay,
      long step, float gradScale, @Cast("void*") long stream);

  public static native int s4j_sgd_cpu(@Cast("float*") long param, @Cast("float*") long momentumBuf,
      @Cast("const float*") long grad, long n, float lr, float momentum, float weightDecay, int nesterov,
      int firstStep, float gradScale);

  public static native int s4j_sgd_cuda(@Cast("float*") long param, @Cast("float*") long momentumBuf,
      @Cast("const float*") long grad, long n, float lr, float momentum, float weightDecay, int nesterov,
      int firstStep, float gradScale, @Cast("void*") long stream);
}
