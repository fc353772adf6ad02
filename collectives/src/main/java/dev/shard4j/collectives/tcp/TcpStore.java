package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.Store;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A {@link Store} client talking to a {@link TcpStoreServer}. Connecting retries for a bounded window (the server
 * may start after the client) and then fails with a message naming {@code host:port}; every connection proves the
 * job token first. Thread-safe: each request borrows a pooled connection, so a thread blocked in {@link #get} does
 * not stop another thread's {@link #set}. The creator owns the client and must {@link #close()} it.
 */
public final class TcpStore implements Store, AutoCloseable {
  private final String host;
  private final int port;
  private final String token;
  private final Duration connectWindow;
  private final ArrayDeque<Conn> idle = new ArrayDeque<>();
  private volatile boolean closed;

  private record Conn(Socket socket, DataInputStream in, DataOutputStream out) {}

  /**
   * A client of the store at {@code address} ("host:port"); connecting is retried for {@code connectWindow} before
   * failing. The first connection is made here, so an unreachable store or a wrong token fails the constructor.
   */
  public TcpStore(String address, String token, Duration connectWindow) {
    TcpOptions.checkToken(token);
    int colon = address == null ? -1 : address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("store address must be host:port, got '" + address + "'");
    }
    this.host = address.substring(0, colon);
    try {
      this.port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("store address must be host:port, got '" + address + "'", e);
    }
    this.token = token;
    this.connectWindow = connectWindow;
    release(open());
  }

  /** "host:port" of the server. */
  public String address() {
    return host + ":" + port;
  }

  @Override
  public void set(String key, byte[] value) {
    request("set '" + key + "'", 0, (in, out) -> {
      out.writeByte(TcpStoreServer.SET);
      out.writeUTF(key);
      out.writeInt(value.length);
      out.write(value);
      out.flush();
      ok(in);
      return null;
    });
  }

  @Override
  public byte[] get(String key, Duration timeout) {
    return request("get '" + key + "'", timeout.toMillis(), (in, out) -> {
      out.writeByte(TcpStoreServer.GET);
      out.writeUTF(key);
      out.writeLong(timeout.toMillis());
      out.flush();
      ok(in);
      int len = in.readInt();
      if (len < 0 || len > TcpStoreServer.MAX_VALUE) {
        throw new IOException("bad value length " + len);
      }
      byte[] v = new byte[len];
      in.readFully(v);
      return v;
    });
  }

  @Override
  public long add(String key, long delta) {
    return request("add '" + key + "'", 0, (in, out) -> {
      out.writeByte(TcpStoreServer.ADD);
      out.writeUTF(key);
      out.writeLong(delta);
      out.flush();
      ok(in);
      return in.readLong();
    });
  }

  @Override
  public void await(List<String> keys, Duration timeout) {
    request("wait " + keys, timeout.toMillis(), (in, out) -> {
      out.writeByte(TcpStoreServer.WAIT);
      out.writeInt(keys.size());
      for (String k : keys) {
        out.writeUTF(k);
      }
      out.writeLong(timeout.toMillis());
      out.flush();
      ok(in);
      return null;
    });
  }

  /** Closes every pooled connection; later requests fail. Idempotent. */
  @Override
  public void close() {
    closed = true;
    synchronized (idle) {
      for (Conn c : idle) {
        closeQuietly(c.socket);
      }
      idle.clear();
    }
  }

  @Override
  public String toString() {
    return "TcpStore(" + address() + ")";
  }

  private interface Body<T> {
    T run(DataInputStream in, DataOutputStream out) throws IOException;
  }

  private static void ok(DataInputStream in) throws IOException {
    int status = in.readUnsignedByte();
    if (status != 0) {
      throw new CommunicatorException(in.readUTF());
    }
  }

  private <T> T request(String what, long waitMs, Body<T> body) {
    if (closed) {
      throw new CommunicatorException("store " + address() + ": " + what + ": client is closed");
    }
    Conn c = borrow();
    try {
      // A reply takes at most the server-side wait plus the connect window as slack for a slow server.
      c.socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, waitMs + Math.max(connectWindow.toMillis(), 5000)));
      T r = body.run(c.in, c.out);
      release(c);
      return r;
    } catch (CommunicatorException e) {
      release(c);
      throw new CommunicatorException("store " + address() + ": " + e.getMessage(), e);
    } catch (IOException e) {
      closeQuietly(c.socket);
      throw new CommunicatorException("store " + address() + ": " + what + " failed: " + e, e);
    }
  }

  private Conn borrow() {
    synchronized (idle) {
      Conn c = idle.poll();
      if (c != null) {
        return c;
      }
    }
    return open();
  }

  private void release(Conn c) {
    synchronized (idle) {
      if (!closed) {
        idle.push(c);
        return;
      }
    }
    closeQuietly(c.socket);
  }

  private Conn open() {
    long start = System.nanoTime();
    long deadline = start + connectWindow.toNanos();
    IOException last = null;
    long backoffMs = 20;
    while (true) {
      Socket s = new Socket();
      try {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        s.connect(new InetSocketAddress(host, port), (int) Math.min(left, 5000));
        s.setTcpNoDelay(true);
        s.setSoTimeout((int) Math.max(5000, connectWindow.toMillis()));
        Handshake.connect(s, Handshake.KIND_STORE, token, "store-client", "store at " + address());
        return new Conn(s, new DataInputStream(new BufferedInputStream(s.getInputStream())),
            new DataOutputStream(new BufferedOutputStream(s.getOutputStream())));
      } catch (CommunicatorException e) {
        closeQuietly(s);
        throw e;
      } catch (IOException e) {
        closeQuietly(s);
        last = e;
      }
      if (System.nanoTime() + backoffMs * 1_000_000 > deadline) {
        throw new CommunicatorException("cannot reach store at " + address() + " after "
            + (System.nanoTime() - start) / 1_000_000 + " ms of retries: " + last.getMessage(), last);
      }
      try {
        Thread.sleep(backoffMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommunicatorException("connecting to store at " + address() + ": interrupted", e);
      }
      backoffMs = Math.min(500, backoffMs * 2);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
