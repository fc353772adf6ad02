package dev.shard4j.tensor;

/** A host or device allocation failed; the message names the size and device. */
public final class NativeOutOfMemoryException extends NativeException {
  private static final long serialVersionUID = 1L;

  public NativeOutOfMemoryException(int status, String message) {
    super(status, message);
  }
}
