package dev.shard4j.collectives.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.CommunicatorException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The TCP rendezvous store: operations, blocking waits across clients, authentication and reachability errors. */
class TcpStoreTest {
  private static final Duration WINDOW = Duration.ofSeconds(5);

  @Test
  void setGetAddAndWaitAcrossClients() throws Exception {
    String token = Handshake.newToken();
    try (TcpStoreServer server = TcpStoreServer.start("127.0.0.1", 0, token);
        TcpStore a = new TcpStore(server.address(), token, WINDOW);
        TcpStore b = new TcpStore(server.address(), token, WINDOW)) {
      CompletableFuture<byte[]> waiting = CompletableFuture.supplyAsync(() -> b.get("k", Duration.ofSeconds(10)));
      Thread.sleep(50);
      a.set("k", new byte[] {1, 2, 3});
      assertArrayEquals(new byte[] {1, 2, 3}, waiting.get());
      assertEquals(5, a.add("n", 5));
      assertEquals(3, b.add("n", -2));
      assertEquals("3", new String(a.get("n", WINDOW), StandardCharsets.US_ASCII));
      // one client serves a blocked get and a set from two threads at once
      CompletableFuture<Void> w = CompletableFuture.runAsync(() -> a.await(List.of("x", "y"), Duration.ofSeconds(10)));
      a.set("x", new byte[0]);
      b.set("y", new byte[0]);
      w.get();
      CommunicatorException e = assertThrows(CommunicatorException.class,
          () -> a.await(List.of("x", "missing"), Duration.ofMillis(100)));
      assertTrue(e.getMessage().contains("missing") && e.getMessage().contains(server.address()), e.getMessage());
    }
  }

  @Test
  void wrongTokenIsRefusedWithAClearMessage() {
    try (TcpStoreServer server = TcpStoreServer.start("127.0.0.1", 0, Handshake.newToken())) {
      CommunicatorException e = assertThrows(CommunicatorException.class,
          () -> new TcpStore(server.address(), "not-the-token", WINDOW));
      assertTrue(e.getMessage().contains("store at " + server.address())
          && e.getMessage().contains("wrong job token"), e.getMessage());
      assertEquals(1, server.refusedConnections());
    }
  }

  @Test
  void unreachableStoreFailsAfterTheRetryWindowNamingHostAndPort() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    long start = System.nanoTime();
    CommunicatorException e = assertThrows(CommunicatorException.class,
        () -> new TcpStore("127.0.0.1:" + port, "t", Duration.ofMillis(600)));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(e.getMessage().startsWith("cannot reach store at 127.0.0.1:" + port + " after"), e.getMessage());
    assertTrue(ms >= 300 && ms < 10_000, "took " + ms + " ms");
  }

  @Test
  void strangerSendingGarbageIsRefusedAndServedClientsGoOn() throws Exception {
    String token = Handshake.newToken();
    try (TcpStoreServer server = TcpStoreServer.start("127.0.0.1", 0, token);
        TcpStore a = new TcpStore(server.address(), token, WINDOW)) {
      a.set("before", new byte[] {7});
      try (Socket s = new Socket("127.0.0.1", server.port())) {
        OutputStream o = s.getOutputStream();
        o.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        o.flush();
        s.setSoTimeout(5000);
        s.getInputStream().readAllBytes(); // the challenge, then the server hangs up
      }
      assertEquals(1, server.refusedConnections());
      assertArrayEquals(new byte[] {7}, a.get("before", WINDOW));
      assertThrows(IllegalArgumentException.class, () -> new TcpStore("nohostport", token, WINDOW));
    }
  }
}
