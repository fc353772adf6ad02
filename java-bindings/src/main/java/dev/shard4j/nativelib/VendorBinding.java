package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code shard4j/vendor.h}: OpenBLAS controls that its preset does not bind. */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/vendor.h", library = "jnishard4j"))
public final class VendorBinding {
  static {
    Loader.load();
  }

  private VendorBinding() {}

  public static native int s4j_openblas_set_num_threads(int threads);

  public static native int s4j_openblas_corename(@Cast("char*") byte[] name, int capacity);
}
