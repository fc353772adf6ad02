package dev.shard4j.collectives;

/**
 * Thrown by {@link Communicators#create} when the requested backend cannot run on this machine; the message names
 * the backend and says what is missing (for NCCL: the CUDA driver, a device, or {@code libnccl.so.2}).
 */
public final class BackendUnavailableException extends CommunicatorException {
  private static final long serialVersionUID = 1L;

  /** An exception with the given message. */
  public BackendUnavailableException(String message) {
    super(message);
  }
}
