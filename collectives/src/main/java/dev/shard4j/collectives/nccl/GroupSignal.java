package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The failure flag of a group and of its ancestors, kept in the rendezvous {@link Store} so that every rank, in
 * any process, sees that the group broke: {@link #raise} writes the reason at {@code <group>/abort/reason} and
 * then bumps the counter {@code <group>/abort/count}; {@link #raised} polls the counters of the group and of every
 * group it was split from. Immutable; thread-safe as far as the store is.
 */
final class GroupSignal {
  private final Store store;
  private final List<String> groups;

  GroupSignal(Store store, String group) {
    this(store, List.of(group));
  }

  private GroupSignal(Store store, List<String> groups) {
    this.store = store;
    this.groups = groups;
  }

  /** The signal of a sub-group: its own flag plus all of this one's. */
  GroupSignal child(String childGroup) {
    List<String> g = new ArrayList<>(groups.size() + 1);
    g.add(childGroup);
    g.addAll(groups);
    return new GroupSignal(store, List.copyOf(g));
  }

  /** The name of this group (the prefix of its store keys). */
  String group() {
    return groups.get(0);
  }

  /** Marks this group failed with {@code reason}; store failures are swallowed (the local failure still stands). */
  void raise(String reason) {
    try {
      store.set(group() + "/abort/reason", reason.getBytes(StandardCharsets.UTF_8));
      store.add(group() + "/abort/count", 1);
    } catch (RuntimeException ignored) {
      // the store is unreachable: peers will time out instead of failing promptly
    }
  }

  /** The reason of the first failed group among this one and its ancestors, or null when none failed. */
  String raised() {
    for (String g : groups) {
      try {
        if (store.add(g + "/abort/count", 0) > 0) {
          String why = new String(store.get(g + "/abort/reason", Duration.ofSeconds(1)), StandardCharsets.UTF_8);
          return g.equals(group()) ? why : "group '" + g + "' failed: " + why;
        }
      } catch (RuntimeException e) {
        return null;
      }
    }
    return null;
  }
}
