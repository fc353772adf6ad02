package dev.shard4j.nativelib;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code shard4j/status.h}: the readable text of a native status code. */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/status.h", library = "jnishard4j"))
public final class NativeStatusBinding {
  static {
    Loader.load();
  }

  private NativeStatusBinding() {}

  public static native @Cast("const char*") BytePointer s4j_status_string(int status);
}
