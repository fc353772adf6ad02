package dev.shard4j.tensor;

/** A native kernel returned an error status. {@link #status()} is the {@code s4j_status} code. */
public class NativeException extends ShardException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public NativeException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
