package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.Store;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the full mesh of one group: checks rank and world size against the store, listens on an ephemeral port
 * of the bind address, publishes it under {@code <group>/addr/<rank>}, connects to every lower rank and accepts
 * every higher one (each connection authenticated with the job token, see {@link Handshake}), then stops
 * listening, so no port of the group stays open once it is formed. Then, over the authenticated connections, the
 * ranks on the same host set up their shared-memory rings ({@link ShmSetup}). Connections from strangers are
 * refused and logged; the rendezvous goes on. Internal; called by the thread creating a communicator.
 */
final class Rendezvous {
  private static final int HANDSHAKE_TIMEOUT_MS = 5000;

  private Rendezvous() {}

  /**
   * Connects rank {@code rank} of {@code size} in group {@code ns}; returns the links indexed by peer rank. For a
   * group split from {@code parentNs} (null for a top-level group), every wait also gives up as soon as a rank marks
   * the parent broken ({@link #markBroken}): a member that failed during the split never joins, and its peers must
   * not wait for it until the timeout.
   */
  static Link[] connect(Store store, String ns, String parentNs, String token, int rank, int size, TcpOptions o,
      Selector selector) {
    Duration timeout = o.timeout();
    long claimed = store.add(ns + "/joined/" + rank, 1);
    if (claimed > 1) {
      throw new CommunicatorException("duplicate rank " + rank + ": another process already joined group '" + ns
          + "' as rank " + rank + " (check " + TcpCommunicator.ENV_RANK + " of every process)");
    }
    // Rank 0 publishes the world size and the options every rank must share (they choose the algorithms).
    String mine = size + "," + o.sliceBytes() + "," + o.smallMessageBytes();
    if (rank == 0) {
      store.set(ns + "/size", mine.getBytes(StandardCharsets.US_ASCII));
    }
    String root = new String(waitFor(store, ns + "/size", parentNs, timeout, rank, size, 0, ns),
        StandardCharsets.US_ASCII);
    String[] f = root.split(",");
    int rootSize = Integer.parseInt(f[0]);
    if (rootSize != size) {
      throw new CommunicatorException("world size mismatch in group '" + ns + "': rank " + rank
          + " was started with world size " + size + " but rank 0 with " + rootSize + " (check "
          + TcpCommunicator.ENV_WORLD_SIZE + ")");
    }
    if (!root.equals(mine)) {
      throw new CommunicatorException("options mismatch in group '" + ns + "': rank " + rank + " has sliceBytes "
          + o.sliceBytes() + ", smallMessageBytes " + o.smallMessageBytes() + " but rank 0 has sliceBytes " + f[1]
          + ", smallMessageBytes " + f[2] + " (every rank must use the same TcpOptions)");
    }
    Link[] links = new Link[size];
    if (size == 1) {
      return links;
    }
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      InetAddress bind = InetAddress.getByName(o.bindAddress());
      server.bind(new InetSocketAddress(bind, 0), size);
      String host = o.advertiseHost() != null ? o.advertiseHost()
          : bind.isAnyLocalAddress() ? InetAddress.getLocalHost().getHostAddress() : bind.getHostAddress();
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      store.set(ns + "/host/" + rank, ShmSetup.identity(o).getBytes(StandardCharsets.UTF_8));
      store.set(ns + "/addr/" + rank, (host + ":" + port).getBytes(StandardCharsets.UTF_8));
      long deadline = System.nanoTime() + timeout.toNanos();
      Throwable[] acceptError = new Throwable[1];
      Thread acceptor = new Thread(() -> {
        try {
          acceptAll(server, store, ns, parentNs, token, rank, size, links, deadline);
        } catch (Throwable e) {
          acceptError[0] = e;
        }
      }, "shard4j-tcp-accept-rank" + rank);
      acceptor.setDaemon(true);
      acceptor.start();
      try {
        for (int q = 0; q < rank; q++) {
          String addr = new String(waitFor(store, ns + "/addr/" + q, parentNs, timeout, rank, size, q, ns),
              StandardCharsets.UTF_8);
          links[q] = dial(addr, ns, token, rank, size, q, deadline);
        }
      } finally {
        joinQuietly(acceptor);
      }
      if (acceptError[0] != null) {
        closeAll(links);
        Throwable e = acceptError[0];
        throw e instanceof CommunicatorException ce ? ce
            : new CommunicatorException("rank " + rank + ": accepting peers failed: " + e, e);
      }
      // Every peer published its host identity before its address, so these reads do not wait.
      String[] ids = new String[size];
      for (int q = 0; q < size; q++) {
        ids[q] = new String(waitFor(store, ns + "/host/" + q, parentNs, timeout, rank, size, q, ns),
            StandardCharsets.UTF_8);
      }
      ShmSetup.setup(links, ids, token, rank, size, o.sliceBytes(), deadline);
      for (Link l : links) {
        if (l != null) {
          l.channel.configureBlocking(false);
          l.key = l.channel.register(selector, SelectionKey.OP_READ);
        }
      }
      return links;
    } catch (IOException e) {
      closeAll(links);
      throw new CommunicatorException("rank " + rank + " of " + size + ": cannot set up connections in group '"
          + ns + "' on " + o.bindAddress() + ": " + e, e);
    } catch (RuntimeException e) {
      closeAll(links);
      throw e;
    }
  }

  /** Records in the store that group {@code ns} failed, so that splits of it stop waiting. Best effort. */
  static void markBroken(Store store, String ns) {
    store.add(ns + "/broken", 1);
  }

  private static void checkParent(Store store, String parentNs, int rank, int size, String ns) {
    if (parentNs != null && store.add(parentNs + "/broken", 0) > 0) {
      throw new CommunicatorException("rank " + rank + " of " + size + ": joining group '" + ns
          + "' abandoned: the group it was split from failed");
    }
  }

  private static byte[] waitFor(Store store, String key, String parentNs, Duration timeout, int rank, int size,
      int peer, String ns) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Duration slice = parentNs == null ? timeout : Duration.ofMillis(100);
    while (true) {
      checkParent(store, parentNs, rank, size, ns);
      try {
        return store.get(key, slice);
      } catch (CommunicatorException e) {
        if (System.nanoTime() >= deadline || parentNs == null) {
          throw new CommunicatorException("rank " + rank + " of " + size + ": timed out after " + timeout.toMillis()
              + " ms waiting for rank " + peer + " to join group '" + ns + "' (" + e.getMessage() + ")", e);
        }
      }
    }
  }

  private static Link dial(String addr, String ns, String token, int rank, int size, int q, long deadline)
      throws IOException {
    int colon = addr.lastIndexOf(':');
    InetSocketAddress target = new InetSocketAddress(addr.substring(0, colon),
        Integer.parseInt(addr.substring(colon + 1)));
    SocketChannel ch = SocketChannel.open();
    try {
      Socket s = ch.socket();
      int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      s.connect(target, left);
      s.setTcpNoDelay(true);
      s.setSoTimeout(left);
      Handshake.connect(s, Handshake.KIND_PEER, token, ns + "|" + rank + "|" + size,
          "rank " + q + " at " + addr);
      s.setSoTimeout(0);
      return new Link(q, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      if (e instanceof CommunicatorException ce) {
        throw ce;
      }
      throw new CommunicatorException("rank " + rank + ": cannot connect to rank " + q + " at " + addr + ": " + e, e);
    }
  }

  private static void acceptAll(ServerSocketChannel server, Store store, String ns, String parentNs, String token,
      int rank, int size, Link[] links, long deadline) throws IOException {
    int expected = size - 1 - rank;
    int got = 0;
    server.socket().setSoTimeout(100);
    while (got < expected) {
      if (System.nanoTime() > deadline) {
        List<Integer> missing = new ArrayList<>();
        for (int q = rank + 1; q < size; q++) {
          if (links[q] == null) {
            missing.add(q);
          }
        }
        throw new CommunicatorException("rank " + rank + " of " + size + ": timed out waiting for rank(s) "
            + missing + " to connect");
      }
      checkParent(store, parentNs, rank, size, ns);
      Socket s;
      try {
        s = server.socket().accept();
      } catch (SocketTimeoutException e) {
        continue;
      }
      SocketChannel ch = s.getChannel();
      String refusal;
      try {
        s.setTcpNoDelay(true);
        s.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
        String hello = Handshake.accept(s, Handshake.KIND_PEER, token);
        String[] parts = hello.split("\\|");
        refusal = null;
        int peer = -1;
        if (parts.length != 3 || !parts[0].equals(ns)) {
          refusal = "hello '" + hello + "' is not for group '" + ns + "'";
        } else {
          peer = Integer.parseInt(parts[1]);
          int peerSize = Integer.parseInt(parts[2]);
          if (peerSize != size) {
            refusal = "rank " + peer + " has world size " + peerSize + ", expected " + size;
          } else if (peer <= rank || peer >= size || links[peer] != null) {
            refusal = "unexpected or duplicate rank " + peer;
          }
        }
        if (refusal == null) {
          s.setSoTimeout(0);
          links[peer] = new Link(peer, ch);
          got++;
          continue;
        }
      } catch (Handshake.Refused e) {
        refusal = e.getMessage();
      } catch (IOException | NumberFormatException e) {
        refusal = e.toString();
      }
      TcpStoreServer.LOG.log(System.Logger.Level.WARNING, "rank " + rank + " of group '" + ns
          + "': refused connection from " + s.getRemoteSocketAddress() + ": " + refusal);
      ch.close();
    }
  }

  private static void joinQuietly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  static void closeAll(Link[] links) {
    for (Link l : links) {
      if (l != null) {
        ShmSetup.closeRings(l);
        try {
          l.channel.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
  }
}
