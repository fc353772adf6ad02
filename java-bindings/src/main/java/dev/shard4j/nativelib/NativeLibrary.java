package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * JavaCPP configuration shared by every binding class of Shard4j's native kernels: one JNI library,
 * {@code jnishard4j}, linked against {@code libshard4j_cpu} and {@code libshard4j_cuda}. Binding classes inherit it
 * with {@code @Properties(inherit = NativeLibrary.class)}.
 *
 * <p>The CUDA library links cudart statically and loads the driver lazily, so this library loads on machines
 * without a GPU; CUDA entry points then return a status instead of failing to link.
 */
@Properties(
    value = @Platform(
        include = {"shard4j/status.h"},
        link = {"shard4j_cpu", "shard4j_cuda"},
        preload = {"gomp@.1"},
        library = "jnishard4j"))
public final class NativeLibrary {
  private static volatile boolean loaded;

  private NativeLibrary() {}

  /** Loads the native libraries once; safe to call from any thread. */
  public static void load() {
    if (!loaded) {
      synchronized (NativeLibrary.class) {
        if (!loaded) {
          Loader.load(NativeStatusBinding.class);
          loaded = true;
        }
      }
    }
  }
}
