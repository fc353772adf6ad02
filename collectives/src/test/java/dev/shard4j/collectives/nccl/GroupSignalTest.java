package dev.shard4j.collectives.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.shard4j.collectives.InMemoryStore;
import dev.shard4j.collectives.Store;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store-backed failure flag that lets ranks in other processes see that a group or its parent broke. */
class GroupSignalTest {
  @Test
  void aRaisedGroupIsSeenByAnotherRankWithItsReason() {
    InMemoryStore store = new InMemoryStore();
    GroupSignal rank0 = new GroupSignal(store, "job");
    GroupSignal rank1 = new GroupSignal(store, "job");
    assertNull(rank1.raised());
    rank0.raise("allReduce timed out on rank 0");
    assertEquals("allReduce timed out on rank 0", rank1.raised());
  }

  @Test
  void subGroupsSeeTheirParentsFailureButNotTheReverse() {
    InMemoryStore store = new InMemoryStore();
    GroupSignal parent = new GroupSignal(store, "job");
    GroupSignal child = parent.child("job/split0/color1");
    GroupSignal sibling = parent.child("job/split0/color0");
    assertEquals("job/split0/color1", child.group());
    child.raise("aborted by rank 1 of 2");
    assertNull(parent.raised());
    assertNull(sibling.raised());
    assertEquals("aborted by rank 1 of 2", child.raised());
    parent.raise("aborted by rank 0 of 4");
    assertEquals("group 'job' failed: aborted by rank 0 of 4", sibling.raised());
  }

  @Test
  void anUnreachableStoreNeitherThrowsNorReportsAFailure() {
    Store broken = new Store() {
      @Override
      public void set(String key, byte[] value) {
        throw new IllegalStateException("connection refused");
      }

      @Override
      public byte[] get(String key, Duration timeout) {
        throw new IllegalStateException("connection refused");
      }

      @Override
      public long add(String key, long delta) {
        throw new IllegalStateException("connection refused");
      }

      @Override
      public void await(List<String> keys, Duration timeout) {
        throw new IllegalStateException("connection refused");
      }
    };
    GroupSignal s = new GroupSignal(broken, "job");
    s.raise("x");
    assertNull(s.raised());
  }
}
