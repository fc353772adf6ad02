package dev.shard4j.collectives;

import dev.shard4j.tensor.Device;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a rank needs to join a group through {@link Communicators#create}: its rank, the group size, the rendezvous
 * {@link Store} shared by all ranks, the device its tensors live on, the timeout, the group name that prefixes
 * every store key of the group (so several groups can share one store), and backend-specific properties.
 * Immutable value; the {@code with*} methods return modified copies. Any thread may use it.
 *
 * @param rank this rank's index in {@code [0, size)}
 * @param size the number of ranks in the group
 * @param store the rendezvous store, shared by every rank of the group (not owned: never closed by a backend)
 * @param device where this rank's tensors live ({@code cpu} for the local and TCP backends, {@code cuda:N} for NCCL)
 * @param timeout how long a rank waits for missing peers (rendezvous and every operation) before failing
 * @param group the group name, unique per store; every store key of the group starts with it
 * @param properties backend-specific settings, by name (documented by each backend); unknown names are ignored
 */
public record CommunicatorOptions(int rank, int size, Store store, Device device,
    Duration timeout, String group, Map<String, String> properties) {
  /** The default timeout: 60 seconds, as {@link dev.shard4j.collectives.local.LocalCluster#DEFAULT_TIMEOUT}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** The default group name. */
  public static final String DEFAULT_GROUP = "shard4j";

  /** Checks every field and copies the properties. */
  public CommunicatorOptions {
    if (size < 1) {
      throw new IllegalArgumentException("CommunicatorOptions: size must be >= 1, got " + size);
    }
    if (rank < 0 || rank >= size) {
      throw new IllegalArgumentException("CommunicatorOptions: rank " + rank + " is out of range [0, " + size + ")");
    }
    if (store == null) {
      throw new IllegalArgumentException("CommunicatorOptions: store is null");
    }
    if (device == null) {
      throw new IllegalArgumentException("CommunicatorOptions: device is null");
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("CommunicatorOptions: timeout must be positive, got " + timeout);
    }
    if (group == null || group.isEmpty()) {
      throw new IllegalArgumentException("CommunicatorOptions: group name must be non-empty");
    }
    properties = Map.copyOf(properties == null ? Map.of() : properties);
  }

  /** Rank {@code rank} of {@code size} on the CPU, with the default timeout and group name and no properties. */
  public static CommunicatorOptions of(int rank, int size, Store store) {
    return new CommunicatorOptions(rank, size, store, Device.CPU, DEFAULT_TIMEOUT, DEFAULT_GROUP,
        Map.of());
  }

  /** A copy on {@code newDevice}. */
  public CommunicatorOptions withDevice(Device newDevice) {
    return new CommunicatorOptions(rank, size, store, newDevice, timeout, group, properties);
  }

  /** A copy with {@code newTimeout}. */
  public CommunicatorOptions withTimeout(Duration newTimeout) {
    return new CommunicatorOptions(rank, size, store, device, newTimeout, group, properties);
  }

  /** A copy with the group name {@code newGroup}. */
  public CommunicatorOptions withGroup(String newGroup) {
    return new CommunicatorOptions(rank, size, store, device, timeout, newGroup, properties);
  }

  /** A copy with property {@code name} set to {@code value}. */
  public CommunicatorOptions withProperty(String name, String value) {
    Map<String, String> p = new TreeMap<>(properties);
    p.put(name, value);
    return new CommunicatorOptions(rank, size, store, device, timeout, group, p);
  }

  /** The value of property {@code name}, or {@code fallback} when it is not set. */
  public String property(String name, String fallback) {
    return properties.getOrDefault(name, fallback);
  }

  @Override
  public String toString() {
    return "CommunicatorOptions(rank " + rank + " of " + size + ", " + device + ", timeout " + timeout.toMillis()
        + " ms, group '" + group + "'" + (properties.isEmpty() ? "" : ", " + properties) + ")";
  }
}
