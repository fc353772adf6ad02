package dev.shard4j.tensor;

/** Base of Shard4j's unchecked exceptions raised by the runtime (not by argument checks, which throw
 * {@link IllegalArgumentException} or {@link IllegalStateException}). */
public class ShardException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ShardException(String message) {
    super(message);
  }

  public ShardException(String message, Throwable cause) {
    super(message, cause);
  }
}
