package dev.shard4j.collectives.local;

import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.CommunicatorOptions;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Joins ranks that are threads of this JVM into one {@link LocalGroup} through a {@link dev.shard4j.collectives.Store}:
 * rank 0 registers a new group under a fresh token and publishes the token at {@code <group>/local/token}; the
 * other ranks read the token and join the registered group. The registry forgets a group once all its ranks have
 * joined. Thread-safe.
 */
final class LocalRendezvous {
  private static final Map<String, Pending> PENDING = new HashMap<>();

  private static final class Pending {
    final LocalGroup group;
    final boolean[] joined;
    int count;

    Pending(LocalGroup group) {
      this.group = group;
      this.joined = new boolean[group.size];
    }
  }

  private LocalRendezvous() {}

  /** Joins {@code options.rank()} to the group named by {@code options.group()}; blocks at most the timeout. */
  static LocalCommunicator join(CommunicatorOptions options) {
    String key = options.group() + "/local/token";
    String token;
    if (options.rank() == 0) {
      token = UUID.randomUUID().toString();
      synchronized (PENDING) {
        PENDING.put(token, new Pending(new LocalGroup(options.size(), options.timeout())));
      }
      options.store().set(key, token.getBytes(StandardCharsets.UTF_8));
    } else {
      token = new String(options.store().get(key, options.timeout()), StandardCharsets.UTF_8);
    }
    synchronized (PENDING) {
      Pending p = PENDING.get(token);
      if (p == null) {
        throw new CommunicatorException("local backend: rank " + options.rank() + " of " + options.size()
            + " found no group '" + options.group() + "' in this JVM (the local backend needs every rank in one"
            + " JVM, and each group name is used for one group only)");
      }
      if (p.group.size != options.size()) {
        throw new IllegalArgumentException("local backend: rank " + options.rank() + " joins group '"
            + options.group() + "' with size " + options.size() + " but rank 0 created it with size " + p.group.size);
      }
      if (p.joined[options.rank()]) {
        throw new IllegalArgumentException("local backend: rank " + options.rank() + " joined group '"
            + options.group() + "' twice");
      }
      p.joined[options.rank()] = true;
      if (++p.count == p.group.size) {
        PENDING.remove(token);
      }
      return new LocalCommunicator(p.group, options.rank());
    }
  }
}
