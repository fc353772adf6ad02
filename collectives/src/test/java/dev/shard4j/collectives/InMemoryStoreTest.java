package dev.shard4j.collectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-memory rendezvous store. */
class InMemoryStoreTest {
  @Test
  void setGetAddWait() throws Exception {
    InMemoryStore s = new InMemoryStore();
    byte[] v = {1, 2, 3};
    s.set("a", v);
    v[0] = 9; // the store keeps its own copy
    assertArrayEquals(new byte[] {1, 2, 3}, s.get("a", Duration.ofMillis(10)));
    assertEquals(5, s.add("n", 5));
    assertEquals(2, s.add("n", -3));
    assertEquals("2", new String(s.get("n", Duration.ofMillis(10)), StandardCharsets.US_ASCII));
    Thread t = new Thread(() -> {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      s.set("late", new byte[] {7});
    });
    t.start();
    assertArrayEquals(new byte[] {7}, s.get("late", Duration.ofSeconds(5)));
    s.await(List.of("a", "late", "n"), Duration.ofMillis(10));
    t.join();
    assertThrows(IllegalStateException.class, () -> s.add("a", 1));
  }

  @Test
  void timeoutsNameTheMissingKeys() {
    InMemoryStore s = new InMemoryStore();
    s.set("x", new byte[0]);
    CommunicatorException e = assertThrows(CommunicatorException.class,
        () -> s.await(List.of("x", "y", "z"), Duration.ofMillis(50)));
    assertTrue(e.getMessage().contains("[y, z]"), e.getMessage());
    e = assertThrows(CommunicatorException.class, () -> s.get("q", Duration.ofMillis(20)));
    assertTrue(e.getMessage().contains("[q]"), e.getMessage());
  }
}
