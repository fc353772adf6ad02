package dev.shard4j.tensor;

/** A CUDA operation was requested where CUDA cannot run; the message says why (no build, no driver, no device). */
public final class CudaUnavailableException extends NativeException {
  private static final long serialVersionUID = 1L;

  public CudaUnavailableException(int status, String message) {
    super(status, message);
  }
}
