package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.CommunicatorException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mutual HMAC-SHA256 challenge-response on a freshly connected socket, keyed by the job token. The acceptor sends a
 * random nonce; the connector answers with its own nonce, a short hello (who it is) and
 * {@code HMAC(token, "client" | kind | nonces | hello)}; the acceptor checks it and proves itself with
 * {@code HMAC(token, "server" | kind | nonces | hello)}. The token never crosses the wire, a recorded exchange cannot
 * be replayed (fresh nonces), and every length is bounded so a stranger sending garbage costs one short read.
 * Stateless static methods; any thread may call them.
 */
final class Handshake {
  static final int MAGIC = 0x53344A48; // "S4JH"
  static final byte KIND_STORE = 1;
  static final byte KIND_PEER = 2;
  private static final int NONCE = 32;
  private static final int MAX_HELLO = 1024;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Handshake() {}

  /** Thrown by {@link #accept} when the other side is not an authenticated member of this job. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  /** A fresh random job token: 32 random bytes as 64 hex digits. */
  static String newToken() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    StringBuilder s = new StringBuilder(64);
    for (byte x : b) {
      s.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
    }
    return s.toString();
  }

  /**
   * Acceptor side. Returns the connector's hello once it proved the token; throws {@link Refused} (with the reason,
   * for the log) otherwise. The socket's read timeout must already be set.
   */
  static String accept(Socket s, byte kind, String token) throws IOException, Refused {
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    DataInputStream in = new DataInputStream(s.getInputStream());
    byte[] serverNonce = nonce();
    out.writeInt(MAGIC);
    out.writeByte(kind);
    out.write(serverNonce);
    out.flush();
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw new Refused("closed before authenticating");
    }
    if (magic != MAGIC) {
      throw new Refused(String.format("bad magic 0x%08x (not a shard4j peer)", magic));
    }
    byte[] clientNonce = new byte[NONCE];
    in.readFully(clientNonce);
    int helloLen = in.readUnsignedShort();
    if (helloLen > MAX_HELLO) {
      throw new Refused("hello of " + helloLen + " bytes exceeds " + MAX_HELLO);
    }
    byte[] hello = new byte[helloLen];
    in.readFully(hello);
    byte[] mac = new byte[32];
    in.readFully(mac);
    if (!MessageDigest.isEqual(mac, hmac(token, "client", kind, serverNonce, clientNonce, hello))) {
      throw new Refused("wrong job token (HMAC check failed)");
    }
    out.write(hmac(token, "server", kind, serverNonce, clientNonce, hello));
    out.flush();
    return new String(hello, StandardCharsets.UTF_8);
  }

  /**
   * Connector side: proves the token, sends {@code hello} and checks the acceptor's proof. {@code what} names the
   * other side for error messages (e.g. "store at 127.0.0.1:29500").
   */
  static void connect(Socket s, byte kind, String token, String hello, String what) throws IOException {
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    DataInputStream in = new DataInputStream(s.getInputStream());
    int magic = in.readInt();
    byte k = in.readByte();
    if (magic != MAGIC || k != kind) {
      throw new CommunicatorException(what + " is not a shard4j " + (kind == KIND_STORE ? "store" : "rank")
          + String.format(" (magic 0x%08x, kind %d)", magic, k));
    }
    byte[] serverNonce = new byte[NONCE];
    in.readFully(serverNonce);
    byte[] clientNonce = nonce();
    byte[] h = hello.getBytes(StandardCharsets.UTF_8);
    out.writeInt(MAGIC);
    out.write(clientNonce);
    out.writeShort(h.length);
    out.write(h);
    out.write(hmac(token, "client", kind, serverNonce, clientNonce, h));
    out.flush();
    byte[] proof = new byte[32];
    try {
      in.readFully(proof);
    } catch (EOFException e) {
      throw new CommunicatorException(what + " refused the connection: authentication failed (wrong job token?)");
    }
    if (!MessageDigest.isEqual(proof, hmac(token, "server", kind, serverNonce, clientNonce, h))) {
      throw new CommunicatorException(what + " failed to prove the job token (wrong job token?)");
    }
  }

  private static byte[] nonce() {
    byte[] n = new byte[NONCE];
    RANDOM.nextBytes(n);
    return n;
  }

  private static byte[] hmac(String token, String role, byte kind, byte[] a, byte[] b, byte[] hello) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update(role.getBytes(StandardCharsets.US_ASCII));
      mac.update(kind);
      mac.update(a);
      mac.update(b);
      mac.update(hello);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
