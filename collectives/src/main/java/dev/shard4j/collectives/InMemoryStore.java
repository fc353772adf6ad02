package dev.shard4j.collectives;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Store} held in this JVM's heap, for ranks that are threads of one process (and for tests). Thread-safe;
 * waiting threads park on a monitor and wake on every {@link #set}/{@link #add}.
 */
public final class InMemoryStore implements Store {
  private final Map<String, byte[]> values = new HashMap<>();

  /** An empty store. */
  public InMemoryStore() {}

  @Override
  public synchronized void set(String key, byte[] value) {
    if (key == null || value == null) {
      throw new IllegalArgumentException("set: key and value must be non-null, got key=" + key);
    }
    values.put(key, value.clone());
    notifyAll();
  }

  @Override
  public synchronized byte[] get(String key, Duration timeout) {
    await(List.of(key), timeout);
    return values.get(key).clone();
  }

  @Override
  public synchronized long add(String key, long delta) {
    byte[] old = values.get(key);
    long v;
    try {
      v = old == null ? 0 : Long.parseLong(new String(old, StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      throw new IllegalStateException("add: value of key '" + key + "' is not a counter", e);
    }
    v += delta;
    values.put(key, Long.toString(v).getBytes(StandardCharsets.US_ASCII));
    notifyAll();
    return v;
  }

  @Override
  public synchronized void await(List<String> keys, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> missing = new ArrayList<>();
      for (String k : keys) {
        if (!values.containsKey(k)) {
          missing.add(k);
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new CommunicatorException("store: timed out after " + timeout.toMillis() + " ms waiting for keys " + missing);
      }
      try {
        long ms = Math.max(1, left / 1_000_000);
        wait(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommunicatorException("store: interrupted while waiting for keys " + missing, e);
      }
    }
  }
}
