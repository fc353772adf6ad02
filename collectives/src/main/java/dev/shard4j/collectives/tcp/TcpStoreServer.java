package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.InMemoryStore;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server side of {@link TcpStore}: a key-value store in this JVM's memory served over TCP to the ranks of one
 * job. Hosted by the launcher, by rank 0, or standalone. Every connection must pass the job token's HMAC
 * challenge-response ({@link Handshake}) before any request is served; a stranger is refused, logged (System.Logger
 * {@code dev.shard4j.collectives.tcp}, level WARNING) and disconnected without disturbing the job. One daemon thread
 * accepts, one daemon thread serves each authenticated connection. The creator owns the server and must
 * {@link #close()} it; any thread may call its methods.
 *
 * <p>Wire format after authentication (big-endian, {@link DataOutputStream} encoding): a request is a command byte
 * ({@code 1} set key value, {@code 2} get key timeoutMs, {@code 3} add key delta, {@code 4} wait keys timeoutMs)
 * followed by its arguments; a reply starts with {@code 0} (ok, then the value / counter) or {@code 1} (error, then
 * a message).
 */
public final class TcpStoreServer implements AutoCloseable {
  static final System.Logger LOG = System.getLogger("dev.shard4j.collectives.tcp");
  static final int SET = 1;
  static final int GET = 2;
  static final int ADD = 3;
  static final int WAIT = 4;
  static final int MAX_VALUE = 16 << 20;
  private static final int HANDSHAKE_TIMEOUT_MS = 5000;

  private final InMemoryStore store = new InMemoryStore();
  private final ServerSocket server;
  private final String token;
  private final Thread acceptor;
  private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private volatile int refused;

  private TcpStoreServer(ServerSocket server, String token) {
    this.server = server;
    this.token = token;
    this.acceptor = new Thread(this::acceptLoop, "shard4j-store-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a server bound to {@code bindAddress:port} ({@code port} 0 picks a free port; see {@link #port()}) that
   * accepts only clients proving {@code token}.
   */
  public static TcpStoreServer start(String bindAddress, int port, String token) {
    TcpOptions.checkToken(token);
    try {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 128);
      return new TcpStoreServer(s, token);
    } catch (IOException e) {
      throw new dev.shard4j.collectives.CommunicatorException("store: cannot listen on " + bindAddress + ":" + port
          + ": " + e.getMessage(), e);
    }
  }

  /** The port this server listens on. */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code host:port} a client on this host can connect to. */
  public String address() {
    InetAddress a = server.getInetAddress();
    String host = a.isAnyLocalAddress() ? InetAddress.getLoopbackAddress().getHostAddress() : a.getHostAddress();
    return host + ":" + port();
  }

  /** How many connections were refused so far (failed authentication or garbage). */
  public int refusedConnections() {
    return refused;
  }

  /** Stops accepting, disconnects every client and ends the server's threads. Idempotent. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket c : clients) {
      closeQuietly(c);
    }
    try {
      acceptor.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket c;
      try {
        c = server.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.log(System.Logger.Level.WARNING, "store: accept failed: " + e);
        }
        return;
      }
      clients.add(c);
      Thread t = new Thread(() -> serve(c), "shard4j-store-conn-" + c.getRemoteSocketAddress());
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket c) {
    try {
      c.setTcpNoDelay(true);
      c.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
      try {
        Handshake.accept(c, Handshake.KIND_STORE, token);
      } catch (Handshake.Refused | IOException e) {
        refused++;
        String why = e instanceof Handshake.Refused ? e.getMessage() : e.toString();
        LOG.log(System.Logger.Level.WARNING, "store on port " + port() + ": refused connection from "
            + c.getRemoteSocketAddress() + ": " + why);
        return;
      }
      c.setSoTimeout(0);
      DataInputStream in = new DataInputStream(new BufferedInputStream(c.getInputStream()));
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(c.getOutputStream()));
      while (!closed) {
        int cmd;
        try {
          cmd = in.read();
        } catch (SocketException e) {
          return;
        }
        if (cmd < 0) {
          return;
        }
        handle(cmd, in, out);
        out.flush();
      }
    } catch (EOFException | SocketException e) {
      // client went away
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.log(System.Logger.Level.WARNING, "store: connection " + c.getRemoteSocketAddress() + " failed: " + e);
      }
    } finally {
      clients.remove(c);
      closeQuietly(c);
    }
  }

  private void handle(int cmd, DataInputStream in, DataOutputStream out) throws IOException {
    try {
      switch (cmd) {
        case SET -> {
          String key = in.readUTF();
          int len = in.readInt();
          if (len < 0 || len > MAX_VALUE) {
            throw new IOException("value of " + len + " bytes for key '" + key + "' exceeds " + MAX_VALUE);
          }
          byte[] v = new byte[len];
          in.readFully(v);
          store.set(key, v);
          out.writeByte(0);
        }
        case GET -> {
          String key = in.readUTF();
          long ms = in.readLong();
          byte[] v = store.get(key, Duration.ofMillis(ms));
          out.writeByte(0);
          out.writeInt(v.length);
          out.write(v);
        }
        case ADD -> {
          String key = in.readUTF();
          long delta = in.readLong();
          long v = store.add(key, delta);
          out.writeByte(0);
          out.writeLong(v);
        }
        case WAIT -> {
          int n = in.readInt();
          if (n < 0 || n > 1 << 16) {
            throw new IOException("wait for " + n + " keys");
          }
          List<String> keys = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            keys.add(in.readUTF());
          }
          long ms = in.readLong();
          store.await(keys, Duration.ofMillis(ms));
          out.writeByte(0);
        }
        default -> throw new IOException("unknown store command " + cmd);
      }
    } catch (RuntimeException e) {
      out.writeByte(1);
      out.writeUTF(String.valueOf(e.getMessage()));
    }
  }

  private static void closeQuietly(Socket c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
