package dev.shard4j.collectives;

import java.time.Duration;
import java.util.List;

/**
 * A small key-value store shared by the ranks of a job, used for rendezvous (exchanging addresses, counting
 * arrivals), like torch.distributed's Store. Implementations are thread-safe: any thread may call any method.
 * Values are copied on the way in and out; callers keep ownership of their arrays.
 */
public interface Store {
  /** Sets {@code key} to a copy of {@code value}, replacing any previous value and waking waiters. */
  void set(String key, byte[] value);

  /**
   * Returns a copy of the value of {@code key}, blocking until it is set; throws {@link CommunicatorException}
   * naming the key when {@code timeout} passes first.
   */
  byte[] get(String key, Duration timeout);

  /**
   * Atomically adds {@code delta} to the counter at {@code key} (absent counts as 0; stored as the decimal text
   * of the number) and returns the new value.
   */
  long add(String key, long delta);

  /** Blocks until all {@code keys} are set; throws {@link CommunicatorException} naming the missing ones on timeout. */
  void await(List<String> keys, Duration timeout);
}
