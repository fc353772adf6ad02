package dev.shard4j.tensor;

import dev.shard4j.nativelib.MemoryBinding;
import dev.shard4j.nativelib.NativeLibrary;
import dev.shard4j.nativelib.NativeStatusBinding;

/** The one place where native status codes become exceptions. Thread-safe. */
public final class NativeStatus {
  public static final int OK = 0;
  public static final int INVALID_ARGUMENT = 1;
  public static final int OUT_OF_MEMORY = 2;
  public static final int NO_CUDA_BUILD = 3;
  public static final int CUDA_ERROR = 4;
  public static final int UNSUPPORTED = 5;
  public static final int NO_DEVICE = 6;

  static {
    NativeLibrary.load();
  }

  private NativeStatus() {}

  /** Throws the exception matching {@code status} unless it is {@link #OK}; {@code context} names the call. */
  public static void check(int status, String context) {
    if (status != OK) {
      throw exception(status, context);
    }
  }

  /** The exception for a non-OK status, with the native description and, for CUDA errors, the runtime's text. */
  public static RuntimeException exception(int status, String context) {
    String text = NativeStatusBinding.s4j_status_string(status).getString();
    switch (status) {
      case INVALID_ARGUMENT:
        return new IllegalArgumentException(context + ": native kernel rejected the arguments (" + text + ")");
      case OUT_OF_MEMORY:
        return new NativeOutOfMemoryException(status, context + ": " + text);
      case UNSUPPORTED:
        return new UnsupportedOperationException(context + ": " + text);
      case NO_CUDA_BUILD:
      case NO_DEVICE:
        return new CudaUnavailableException(status, context + ": " + text);
      case CUDA_ERROR:
        return new NativeException(
            status, context + ": " + text + " (" + MemoryBinding.s4j_cuda_last_error_string().getString() + ")");
      default:
        return new NativeException(status, context + ": " + text + " (status " + status + ")");
    }
  }
}
