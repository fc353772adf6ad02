package dev.shard4j.collectives.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.InMemoryStore;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.Work;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failures of the TCP backend with ranks as threads over loopback TCP: missing and failing ranks, abort, mismatched
 * calls, bad arguments, strangers on the ports, and initialisation errors (wrong token, wrong world size, duplicate
 * rank, unreachable store). The ranks share a host, so large payloads take the shared-memory rings: aborts, closed
 * peers, timeouts and mismatches are also checked in the middle of large shared-memory transfers.
 */
class TcpFailureTest {
  private static final TcpOptions OPTS = TcpOptions.defaults().withTimeout(Duration.ofSeconds(60));
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final Logger logger = Logger.getLogger("dev.shard4j.collectives.tcp");
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      warnings.add(r.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void captureLog() {
    logger.addHandler(handler);
  }

  @AfterEach
  void releaseLog() {
    logger.removeHandler(handler);
  }

  private static Tensor floats(float... v) {
    return Tensor.fromArray(v, Shape.of(v.length), DType.F32, Device.CPU);
  }

  @Test
  void missingRankMakesTheOthersFailWithinTheTimeoutNamingIt() {
    AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(3);
    long start = System.nanoTime();
    TcpCluster.run(3, OPTS.withTimeout(Duration.ofMillis(1000)), c -> {
      if (c.rank() == 2) {
        return; // alive, connected, but never calls
      }
      try (Tensor t = floats(1, 2, 3)) {
        c.allReduce(t, ReduceOp.SUM);
      } catch (CommunicatorException e) {
        errors.set(c.rank(), e);
      }
    });
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 15_000, "took " + ms + " ms");
    for (int r = 0; r < 2; r++) {
      assertNotNull(errors.get(r), "rank " + r + " must fail");
      assertTrue(errors.get(r).getMessage().contains("waiting for rank(s) [2] of 3"), errors.get(r).getMessage());
    }
  }

  @Test
  void sendToARankThatNeverReceivesTimesOutNamingIt() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TcpCluster.run(2, OPTS.withTimeout(Duration.ofMillis(500)), c -> {
          if (c.rank() == 0) {
            try (Tensor t = floats(1)) {
              c.send(t, 1); // the data fits the socket buffer; send still waits for the receiver
            }
          }
        }));
    assertTrue(e.getMessage().contains("send (peer [1]): timed out after 500 ms on rank 0 waiting for rank(s) [1]"),
        e.getMessage());
  }

  @Test
  void abortUnblocksAPendingCollectiveOnThePeerAndFailsLaterOnes() throws Exception {
    List<Communicator> comms = TcpCluster.create(2, OPTS);
    try {
      Throwable[] seen = new Throwable[1];
      Thread t = new Thread(() -> {
        try (Tensor x = floats(1, 2)) {
          comms.get(0).allReduce(x, ReduceOp.SUM);
        } catch (Throwable e) {
          seen[0] = e;
        }
      });
      t.start();
      Thread.sleep(200);
      long start = System.nanoTime();
      comms.get(1).abort();
      t.join(10_000);
      assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000);
      assertTrue(seen[0] instanceof CommunicatorException, String.valueOf(seen[0]));
      assertTrue(seen[0].getMessage().contains("aborted by rank 1 of 2"), seen[0].getMessage());
      CommunicatorException later = assertThrows(CommunicatorException.class, () -> comms.get(1).barrier());
      assertTrue(later.getMessage().contains("aborted"), later.getMessage());
      try (Tensor y = floats(1)) {
        Work w = comms.get(0).broadcastAsync(y, 0);
        assertThrows(CommunicatorException.class, w::await);
        assertNotNull(w.exception());
      }
    } finally {
      comms.forEach(Communicator::close);
    }
  }

  @Test
  void abortFromAnotherThreadUnblocksOwnRecvAndReachesThePeer() throws Exception {
    List<Communicator> comms = TcpCluster.create(2, OPTS);
    try {
      Throwable[] seen = new Throwable[1];
      Thread t = new Thread(() -> {
        try (Tensor x = Tensor.zeros(Shape.of(4), DType.F32, Device.CPU)) {
          comms.get(0).recv(x, 1);
        } catch (Throwable e) {
          seen[0] = e;
        }
      });
      t.start();
      Thread.sleep(100);
      comms.get(0).abort();
      t.join(10_000);
      assertTrue(seen[0] instanceof CommunicatorException, String.valueOf(seen[0]));
      try (Tensor x = floats(1)) {
        CommunicatorException e = assertThrows(CommunicatorException.class, () -> comms.get(1).send(x, 0));
        assertTrue(e.getMessage().contains("aborted by rank 0"), e.getMessage());
      }
    } finally {
      comms.forEach(Communicator::close);
    }
  }

  @Test
  void abortReachesARankInTheMiddleOfASharedMemoryTransfer() throws Exception {
    // 4 MiB all-reduce on rank 0 only: it writes the first step's slices (its 2 MiB chunk) into its ring to rank 1
    // and waits
    int slices = (2 << 20) / OPTS.sliceBytes();
    List<Communicator> comms = TcpCluster.create(2, OPTS);
    try {
      assertEquals(1, ((TcpCommunicator) comms.get(0)).sharedMemoryPeers());
      Throwable[] seen = new Throwable[1];
      Thread t = new Thread(() -> {
        try (Tensor x = Tensor.zeros(Shape.of(1 << 20), DType.F32, Device.CPU)) {
          comms.get(0).allReduce(x, ReduceOp.SUM);
        } catch (Throwable e) {
          seen[0] = e;
        }
      });
      t.start();
      for (int i = 0; i < 500 && ((TcpCommunicator) comms.get(0)).sharedMemoryFrames() < slices; i++) {
        Thread.sleep(10);
      }
      assertEquals(slices, ((TcpCommunicator) comms.get(0)).sharedMemoryFrames(), "slices in the ring");
      long start = System.nanoTime();
      comms.get(1).abort();
      t.join(10_000);
      assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000);
      assertTrue(seen[0] instanceof CommunicatorException, String.valueOf(seen[0]));
      assertTrue(seen[0].getMessage().contains("aborted by rank 1 of 2"), seen[0].getMessage());
    } finally {
      comms.forEach(Communicator::close);
    }
  }

  @Test
  void aPeerClosingDuringASharedMemoryTransferFailsTheRankNamingThePeer() throws Exception {
    List<Communicator> comms = TcpCluster.create(3, OPTS);
    try {
      Throwable[] seen = new Throwable[1];
      Thread t = new Thread(() -> {
        try (Tensor x = Tensor.zeros(Shape.of(3 << 20), DType.F32, Device.CPU)) {
          comms.get(0).allReduce(x, ReduceOp.SUM);
        } catch (Throwable e) {
          seen[0] = e;
        }
      });
      t.start();
      // 12 MiB over 3 ranks: rank 0's first step writes its 4 MiB chunk into the ring to rank 1
      int slices = (4 << 20) / OPTS.sliceBytes();
      for (int i = 0; i < 500 && ((TcpCommunicator) comms.get(0)).sharedMemoryFrames() < slices; i++) {
        Thread.sleep(10);
      }
      comms.get(1).close();
      t.join(10_000);
      assertTrue(seen[0] instanceof CommunicatorException, String.valueOf(seen[0]));
      assertTrue(seen[0].getMessage().contains("rank 1 of 3 closed its connection to rank 0"), seen[0].getMessage());
    } finally {
      comms.forEach(Communicator::close);
    }
  }

  @Test
  void aRankInASharedMemoryTransferTimesOutNamingTheMissingRank() {
    AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(2);
    TcpCluster.run(2, OPTS.withTimeout(Duration.ofMillis(1000)), c -> {
      if (c.rank() == 1) {
        return; // alive, connected, but never calls
      }
      try (Tensor t = Tensor.zeros(Shape.of(1 << 20), DType.F32, Device.CPU)) {
        c.allReduce(t, ReduceOp.SUM);
      } catch (CommunicatorException e) {
        errors.set(c.rank(), e);
      }
    });
    assertNotNull(errors.get(0));
    assertTrue(errors.get(0).getMessage().contains("timed out after 1000 ms on rank 0 waiting for rank(s) [1] of 2"),
        errors.get(0).getMessage());
  }

  @Test
  void mismatchedLargeCallsThroughSharedMemoryAreDetectedOnAllRanks() {
    AtomicReferenceArray<String> msgs = new AtomicReferenceArray<>(3);
    assertThrows(IllegalStateException.class, () -> TcpCluster.run(3, OPTS, c -> {
      assertEquals(2, ((TcpCommunicator) c).sharedMemoryPeers());
      long n = c.rank() == 2 ? 200_001 : 200_000;
      try (Tensor t = Tensor.zeros(Shape.of(n), DType.F32, Device.CPU)) {
        c.allReduce(t, ReduceOp.SUM);
      } catch (CommunicatorException e) {
        msgs.set(c.rank(), e.getMessage());
        throw e;
      }
    }));
    for (int r = 0; r < 3; r++) {
      assertNotNull(msgs.get(r), "rank " + r + " must fail");
      assertTrue(msgs.get(r).contains("mismatched collectives") || msgs.get(r).contains("aborted"), msgs.get(r));
    }
  }

  @Test
  void failingRankAbortsTheOthersAndSubGroups() {
    long start = System.nanoTime();
    AtomicReferenceArray<String> outcomes = new AtomicReferenceArray<>(4);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TcpCluster.run(4, OPTS, c -> {
      try (Communicator sub = c.split(c.rank() % 2, 0)) {
        if (c.rank() == 1) {
          throw new IllegalStateException("rank 1 gives up");
        }
        if (c.rank() == 3) {
          sub.barrier(); // waits for rank 1 forever without propagation to the sub-group
        } else {
          c.barrier();
        }
      } catch (CommunicatorException failed) {
        outcomes.set(c.rank(), (System.nanoTime() - start) / 1_000_000 + " ms: " + failed.getMessage());
        throw failed;
      }
    }));
    // Rank 1 closes its sub-group as its exception leaves the try block, so rank 3's failure on that sub-group
    // may reach the cluster first; either way every other rank must have failed, promptly.
    assertTrue(e.getMessage().contains("gives up") || e.getCause() instanceof CommunicatorException, e.getMessage());
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 20_000, "took " + ms + " ms: " + outcomes);
    for (int r : new int[] {0, 2, 3}) {
      assertTrue(outcomes.get(r) != null, "rank " + r + " did not fail: " + outcomes);
    }
  }

  @Test
  void aRankFailingDuringSplitDoesNotLeaveItsSubGroupWaiting() {
    // Rank 0 aborts its group instead of splitting; the others' split fails promptly (the parent all-gather or
    // the sub-group's rendezvous), never waiting the 60 s timeout for rank 0 to join their sub-group.
    long start = System.nanoTime();
    assertThrows(IllegalStateException.class, () -> TcpCluster.run(4, OPTS, c -> {
      if (c.rank() == 0) {
        throw new IllegalStateException("rank 0 leaves before the split");
      }
      try (Communicator sub = c.split(c.rank() % 2, 0)) {
        sub.barrier();
      }
    }));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 20_000, "took " + ms + " ms");
  }

  @Test
  void joiningASubGroupStopsWaitingWhenTheParentBreaks() throws Exception {
    // Rank 1 of a sub-group waits for rank 0, which failed during the split and will never join.
    InMemoryStore store = new InMemoryStore();
    CompletableFuture.runAsync(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Rendezvous.markBroken(store, "parent");
    });
    long start = System.nanoTime();
    try (java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
      CommunicatorException e = assertThrows(CommunicatorException.class,
          () -> Rendezvous.connect(store, "parent/split0/color0", "parent", "t", 1, 2, OPTS, sel));
      assertTrue(e.getMessage().contains("abandoned: the group it was split from failed"), e.getMessage());
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 10_000, "took " + ms + " ms");
  }

  @Test
  void mismatchedCountsAndOpsAreDetectedOnAllRanks() {
    for (int variant = 0; variant < 2; variant++) {
      int v = variant;
      AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(3);
      TcpCluster.run(3, OPTS, c -> {
        long n = v == 0 && c.rank() == 2 ? 8 : 7;
        try (Tensor t = Tensor.zeros(Shape.of(n), DType.F32, Device.CPU)) {
          if (v == 1 && c.rank() == 1) {
            c.broadcast(t, 0);
          } else {
            c.allReduce(t, ReduceOp.SUM);
          }
        } catch (CommunicatorException e) {
          errors.set(c.rank(), e);
        }
      });
      for (int r = 0; r < 3; r++) {
        Throwable e = errors.get(r);
        assertNotNull(e, "rank " + r + " must fail (variant " + v + ")");
        String m = e.getMessage();
        assertTrue(m.startsWith("mismatched collectives: rank "), m);
        if (v == 0) {
          assertTrue(m.contains("allReduce(f32, in 7 elements, out 7 elements, SUM)")
              && m.contains("rank 2 called allReduce(f32, in 8 elements"), m);
        } else {
          assertTrue(m.contains("rank 1 called broadcast(f32, in 7 elements, out 7 elements, root 0)"), m);
        }
      }
    }
  }

  @Test
  void mismatchedSendRecvIsDetectedOnBothSides() {
    AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(2);
    TcpCluster.run(2, OPTS, c -> {
      try (Tensor t = Tensor.zeros(Shape.of(c.rank() == 0 ? 3 : 4), DType.F32, Device.CPU)) {
        if (c.rank() == 0) {
          c.send(t, 1);
        } else {
          c.recv(t, 0);
        }
      } catch (CommunicatorException e) {
        errors.set(c.rank(), e);
      }
    });
    for (int r = 0; r < 2; r++) {
      assertNotNull(errors.get(r));
      assertEquals("mismatched send/recv: rank 0 sent 3 elements F32, rank 1 receives 4 elements F32",
          errors.get(r).getMessage());
    }
  }

  @Test
  void badArgumentsAreRejectedWithMessagesNamingOpAndValues() {
    List<Communicator> comms = TcpCluster.create(4, OPTS);
    try (Tensor in = Tensor.zeros(Shape.of(7), DType.F32, Device.CPU);
        Tensor out = Tensor.zeros(Shape.of(24), DType.F32, Device.CPU);
        Tensor b = Tensor.zeros(Shape.of(7), DType.BF16, Device.CPU)) {
      Communicator c = comms.get(0);
      assertMsg("allGather: out has 24 elements, expected size * in = 4 * 7 = 28", () -> c.allGather(in, out));
      assertMsg("reduceScatter: in has 7 elements, expected size * out = 4 * 24 = 96",
          () -> c.reduceScatter(in, out, ReduceOp.SUM));
      assertMsg("allReduce: in is F32 but out is BF16", () -> c.allReduce(in, b, ReduceOp.SUM));
      assertMsg("broadcast: root 4 is out of range [0, 4)", () -> c.broadcast(in, 4));
      assertMsg("send: peer 0 is invalid for rank 0", () -> c.send(in, 0));
      assertMsg("allToAll: in has 7 elements, not divisible by size 4", () -> c.allToAll(in, in));
      c.close();
      assertMsg("barrier: communicator (rank 0 of 4) is closed", c::barrier);
    } finally {
      comms.forEach(Communicator::close);
    }
  }

  private static void assertMsg(String prefix, Runnable r) {
    RuntimeException e = assertThrows(RuntimeException.class, r::run);
    assertTrue(e.getMessage() != null && e.getMessage().startsWith(prefix),
        "expected '" + prefix + "' but got: " + e.getMessage());
  }

  @Test
  void strangersOnTheStoreAndRendezvousPortsAreRefusedLoggedAndHarmless() throws Exception {
    String token = Handshake.newToken();
    try (TcpStoreServer server = TcpStoreServer.start("127.0.0.1", 0, token)) {
      List<TcpStore> clients = new ArrayList<>();
      List<CompletableFuture<TcpCommunicator>> joins = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        TcpStore s = new TcpStore(server.address(), token, Duration.ofSeconds(5));
        clients.add(s);
        int rank = r;
        if (r == 0) {
          joins.add(CompletableFuture.supplyAsync(() -> TcpCommunicator.create(s, token, rank, 2, OPTS)));
        }
      }
      // While rank 0 waits for rank 1, strangers knock on rank 0's rendezvous port: garbage, then a wrong token.
      String addr0 = new String(clients.get(1).get("shard4j/addr/0", Duration.ofSeconds(20)), StandardCharsets.UTF_8);
      int port0 = Integer.parseInt(addr0.substring(addr0.lastIndexOf(':') + 1));
      sendGarbage(port0);
      try (Socket s = new Socket("127.0.0.1", port0)) {
        s.setSoTimeout(5000);
        assertThrows(CommunicatorException.class, () -> Handshake.connect(s, Handshake.KIND_PEER, "wrong",
            "shard4j|1|2", "rank 0"));
      }
      TcpStore s1 = clients.get(1);
      joins.add(CompletableFuture.supplyAsync(() -> TcpCommunicator.create(s1, token, 1, 2, OPTS)));
      List<TcpCommunicator> comms = new ArrayList<>();
      for (CompletableFuture<TcpCommunicator> f : joins) {
        comms.add(f.get());
      }
      // Mid-job: garbage at the store while the ranks keep all-reducing.
      CompletableFuture<Void> job = CompletableFuture.allOf(comms.stream().map(c -> CompletableFuture.runAsync(() -> {
        try (Tensor t = floats(c.rank(), 1)) {
          for (int i = 0; i < 200; i++) {
            t.copyFrom(new float[] {c.rank(), 1});
            c.allReduce(t, ReduceOp.SUM);
            float[] got = t.toFloatArray();
            if (got[0] != 1 || got[1] != 2) {
              throw new AssertionError("wrong result " + got[0] + ", " + got[1]);
            }
          }
        }
      })).toArray(CompletableFuture[]::new));
      for (int i = 0; i < 3; i++) {
        sendGarbage(server.port());
      }
      job.get();
      comms.forEach(Communicator::close);
      clients.forEach(TcpStore::close);
      assertEquals(3, server.refusedConnections());
    }
    long peerRefusals = warnings.stream().filter(w -> w.contains("rank 0 of group 'shard4j': refused")).count();
    long storeRefusals = warnings.stream().filter(w -> w.contains("refused connection from")
        && w.startsWith("store on port")).count();
    assertEquals(2, peerRefusals, warnings.toString());
    assertEquals(3, storeRefusals, warnings.toString());
    assertTrue(warnings.stream().anyMatch(w -> w.contains("bad magic")), warnings.toString());
    assertTrue(warnings.stream().anyMatch(w -> w.contains("wrong job token")), warnings.toString());
  }

  private static void sendGarbage(int port) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      byte[] junk = new byte[512];
      new java.util.Random(port).nextBytes(junk);
      OutputStream o = s.getOutputStream();
      o.write(junk);
      o.flush();
      s.getInputStream().readAllBytes(); // the challenge, then the other side hangs up
    } catch (java.net.SocketException reset) {
      // hung up before taking all the junk: a reset is a refusal too
    }
  }

  @Test
  void wrongTokenOfAPeerFailsItsJoinClearly() throws Exception {
    InMemoryStore store = new InMemoryStore();
    TcpOptions quick = OPTS.withTimeout(Duration.ofMillis(1500));
    CompletableFuture<TcpCommunicator> r0 = CompletableFuture.supplyAsync(
        () -> TcpCommunicator.create(store, "token-a", 0, 2, quick));
    CommunicatorException e1 = assertThrows(CommunicatorException.class,
        () -> TcpCommunicator.create(store, "token-b", 1, 2, quick));
    assertTrue(e1.getMessage().contains("refused the connection: authentication failed (wrong job token?)"),
        e1.getMessage());
    CompletionException e0 = assertThrows(CompletionException.class, r0::join);
    assertTrue(e0.getCause().getMessage().contains("timed out waiting for rank(s) [1] to connect"),
        e0.getCause().getMessage());
    assertTrue(warnings.stream().anyMatch(w -> w.contains("wrong job token")), warnings.toString());
  }

  @Test
  void wrongWorldSizeAndDuplicateRankFailWithClearMessages() throws Exception {
    InMemoryStore store = new InMemoryStore();
    TcpOptions quick = OPTS.withTimeout(Duration.ofMillis(1500));
    CompletableFuture<TcpCommunicator> r0 = CompletableFuture.supplyAsync(() -> TcpCommunicator.create(store, "t", 0,
        2, quick));
    CommunicatorException e = assertThrows(CommunicatorException.class,
        () -> TcpCommunicator.create(store, "t", 1, 3, quick));
    assertTrue(e.getMessage().startsWith("world size mismatch in group 'shard4j': rank 1 was started with world size 3"
        + " but rank 0 with 2"), e.getMessage());
    assertThrows(CompletionException.class, r0::join);

    InMemoryStore store1 = new InMemoryStore();
    CompletableFuture<TcpCommunicator> s0 = CompletableFuture.supplyAsync(() -> TcpCommunicator.create(store1, "t", 0,
        2, quick));
    CommunicatorException opt = assertThrows(CommunicatorException.class,
        () -> TcpCommunicator.create(store1, "t", 1, 2, quick.withSliceBytes(4096)));
    assertTrue(opt.getMessage().startsWith("options mismatch in group 'shard4j': rank 1 has sliceBytes 4096"),
        opt.getMessage());
    assertThrows(CompletionException.class, s0::join);

    InMemoryStore store2 = new InMemoryStore();
    List<CompletableFuture<TcpCommunicator>> ok = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      int rank = r;
      ok.add(CompletableFuture.supplyAsync(() -> TcpCommunicator.create(store2, "t", rank, 2, OPTS)));
    }
    List<TcpCommunicator> comms = new ArrayList<>();
    for (CompletableFuture<TcpCommunicator> f : ok) {
      comms.add(f.get());
    }
    CommunicatorException dup = assertThrows(CommunicatorException.class,
        () -> TcpCommunicator.create(store2, "t", 1, 2, OPTS));
    assertTrue(dup.getMessage().startsWith("duplicate rank 1: another process already joined group 'shard4j'"),
        dup.getMessage());
    assertMsg("TcpCommunicator: rank 2 is out of range [0, 2)", () -> TcpCommunicator.create(store2, "t", 2, 2, OPTS));
    comms.forEach(Communicator::close);
  }

  @Test
  void unreachableStoreAndMissingVariablesFailFromTheEnvironmentClearly() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Map<String, String> env = Map.of(TcpCommunicator.ENV_RANK, "0", TcpCommunicator.ENV_WORLD_SIZE, "2",
        TcpCommunicator.ENV_STORE, "127.0.0.1:" + port, TcpCommunicator.ENV_TOKEN, "t",
        TcpCommunicator.ENV_STORE_CONNECT_MS, "500");
    CommunicatorException e = assertThrows(CommunicatorException.class, () -> TcpCommunicator.fromEnvironment(env));
    assertTrue(e.getMessage().startsWith("cannot reach store at 127.0.0.1:" + port + " after"), e.getMessage());
    IllegalStateException missing = assertThrows(IllegalStateException.class,
        () -> TcpCommunicator.fromEnvironment(Map.of(TcpCommunicator.ENV_RANK, "0")));
    assertTrue(missing.getMessage().contains("SHARD4J_WORLD_SIZE is not set"), missing.getMessage());
  }

  @Test
  void aBadSliceSizeInTheEnvironmentFailsBeforeConnecting() {
    Map<String, String> base = Map.of(TcpCommunicator.ENV_RANK, "0", TcpCommunicator.ENV_WORLD_SIZE, "2",
        TcpCommunicator.ENV_STORE, "127.0.0.1:1", TcpCommunicator.ENV_TOKEN, "t");
    Map<String, String> text = new java.util.HashMap<>(base);
    text.put(TcpCommunicator.ENV_SLICE_BYTES, "1M");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TcpCommunicator.fromEnvironment(text));
    assertTrue(e.getMessage().contains("SHARD4J_TCP_SLICE_BYTES='1M' is not an integer"), e.getMessage());
    Map<String, String> odd = new java.util.HashMap<>(base);
    odd.put(TcpCommunicator.ENV_SLICE_BYTES, "1000");
    IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
        () -> TcpCommunicator.fromEnvironment(odd));
    assertTrue(a.getMessage().contains("sliceBytes must be a multiple of 4 in [1 KiB, 64 MiB], got 1000"),
        a.getMessage());
  }
}
