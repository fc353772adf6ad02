package dev.shard4j.collectives;

import dev.shard4j.tensor.ShardException;

/**
 * Thrown when a collective cannot complete: a peer timed out, the group was aborted, ranks issued mismatched
 * collectives, or the communicator is closed. After such a failure the whole group is broken and every later
 * operation on any of its ranks fails with this exception too.
 */
public class CommunicatorException extends ShardException {
  private static final long serialVersionUID = 1L;

  /** An exception with the given message. */
  public CommunicatorException(String message) {
    super(message);
  }

  /** An exception with the given message and cause. */
  public CommunicatorException(String message, Throwable cause) {
    super(message, cause);
  }
}
