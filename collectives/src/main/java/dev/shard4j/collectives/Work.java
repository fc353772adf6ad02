package dev.shard4j.collectives;

import java.time.Duration;

/**
 * A handle on an asynchronous collective started by one of the {@code *Async} methods of {@link Communicator}.
 * The tensors passed to the operation belong to it until it is done: do not read, write or close them before
 * {@link #await()} returns. Any thread may call these methods. (torch.distributed calls this method
 * {@code wait()}; in Java {@code Object.wait()} is final, hence {@code await}.)
 */
public interface Work {
  /**
   * Blocks until the operation finishes; throws the operation's failure (a {@link CommunicatorException} or an
   * unchecked exception from a kernel) if it failed.
   */
  void await();

  /**
   * Blocks at most {@code timeout}; returns true when the operation finished successfully, false when it is still
   * running, and throws its failure if it failed.
   */
  boolean await(Duration timeout);

  /** True once the operation has finished, successfully or not. */
  boolean isDone();

  /** The failure of a finished operation, or null when it succeeded or is still running. */
  Throwable exception();
}
