package dev.shard4j.ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Connecting without a usable address fails at once with a message naming it; needs no cluster. */
class RayClusterConnectTest {
  @Test
  void anUnreachableAddressGivesAClearError() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    long t0 = System.nanoTime();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RayCluster.connect("127.0.0.1:" + port));
    assertTrue(e.getMessage().startsWith("RayCluster.connect: no Ray cluster answers at 127.0.0.1:" + port),
        e.getMessage());
    assertTrue((System.nanoTime() - t0) / 1e9 < 10, "fails fast");
  }

  @Test
  void malformedAddressesAreRejected() {
    assertEquals("RayCluster.connect: address 'localhost' is not host:port",
        assertThrows(IllegalArgumentException.class, () -> RayCluster.connect("localhost")).getMessage());
    assertEquals("RayCluster.connect: address 'h:0' has no valid port",
        assertThrows(IllegalArgumentException.class, () -> RayCluster.connect("h:0")).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RayCluster.connect(" ")).getMessage()
        .contains("never starts a Ray head"));
  }

  @Test
  void theBuildRecordsTheRayVersion() {
    assertTrue(RayCluster.buildRayVersion().matches("\\d+\\.\\d+\\.\\d+.*"), RayCluster.buildRayVersion());
  }
}
