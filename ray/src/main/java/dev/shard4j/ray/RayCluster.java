package dev.shard4j.ray;

import io.ray.api.Ray;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * This JVM's connection, as a Ray driver, to a running Ray cluster: {@link #connect} checks that the head answers,
 * that the Ray Java runtime on the class path is the release Shard4j was built against, and initialises Ray with a
 * code search path (the class path Ray workers load Shard4j and the job's classes from). Closing it disconnects
 * the driver ({@code Ray.shutdown()}) and leaves the cluster running.
 *
 * <p>Ray allows one connection per JVM, so at most one {@code RayCluster} is open at a time. Never started without
 * an address: Ray's Java driver would then start a head of its own and, on shutdown, stop every Ray process of the
 * machine. Thread-safe.
 */
public final class RayCluster implements AutoCloseable {
  /** Environment variable naming the head's {@code host:port} (set by {@code scripts/with-ray-cluster.sh}). */
  public static final String ENV_ADDRESS = "SHARD4J_RAY_ADDRESS";
  private static final AtomicReference<RayCluster> OPEN = new AtomicReference<>();
  private static final int CONNECT_CHECK_MS = 3000;

  private final String address;
  private final List<String> codeSearchPath;
  private volatile boolean closed;

  private RayCluster(String address, List<String> codeSearchPath) {
    this.address = address;
    this.codeSearchPath = List.copyOf(codeSearchPath);
  }

  /** {@link #connect(String, List)} with this JVM's class path (less Ray's own jar) as the code search path. */
  public static RayCluster connect(String address) {
    return connect(address, defaultCodeSearchPath());
  }

  /**
   * Connects to the cluster whose head (GCS) listens at {@code address} ({@code host:port}); Ray workers load
   * classes from {@code codeSearchPath} (jars and class directories, which must exist on every node at the same
   * paths). Fails with {@link IllegalStateException} naming the address when nothing answers there within 3 s,
   * and when another connection of this JVM is open. The caller owns the result and closes it.
   */
  public static RayCluster connect(String address, List<String> codeSearchPath) {
    String[] hostPort = parseAddress(address);
    checkReachable(hostPort[0], Integer.parseInt(hostPort[1]));
    checkRayVersion();
    RayCluster cluster = new RayCluster(address.trim(), codeSearchPath);
    if (!OPEN.compareAndSet(null, cluster)) {
      throw new IllegalStateException("RayCluster.connect(" + address + "): this JVM is already connected to "
          + OPEN.get().address + "; close that connection first (Ray allows one per JVM)");
    }
    try {
      System.setProperty("ray.address", cluster.address);
      System.setProperty("ray.job.code-search-path", String.join(File.pathSeparator, cluster.codeSearchPath));
      Ray.init();
    } catch (RuntimeException | Error e) {
      OPEN.set(null);
      throw new IllegalStateException("RayCluster.connect(" + address + "): Ray could not connect to the cluster"
          + " (is it a Ray " + buildRayVersion() + " head?): " + e, e);
    }
    return cluster;
  }

  /** Connects to the cluster named by {@value #ENV_ADDRESS}; fails with a clear message when it is not set. */
  public static RayCluster fromEnvironment() {
    String address = System.getenv(ENV_ADDRESS);
    if (address == null || address.isBlank()) {
      throw new IllegalStateException("RayCluster.fromEnvironment: " + ENV_ADDRESS + " is not set; start a"
          + " cluster (`ray start --head --node-ip-address=... --port=...`, or scripts/with-ray-cluster.sh) and"
          + " set it to the head's host:port");
    }
    return connect(address);
  }

  /** The head's {@code host:port}. */
  public String address() {
    return address;
  }

  /** The jars and directories Ray workers load classes from. */
  public List<String> codeSearchPath() {
    return codeSearchPath;
  }

  /** The Ray release Shard4j's ray module was built and tested against. */
  public static String buildRayVersion() {
    Properties p = new Properties();
    try (InputStream in = RayCluster.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new IllegalStateException("RayCluster: cannot read build.properties: " + e, e);
    }
    return p.getProperty("ray.version", "unknown");
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("RayCluster " + address + " is closed");
    }
  }

  /** Disconnects this driver from the cluster; the cluster keeps running. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Ray.shutdown();
    } finally {
      OPEN.compareAndSet(this, null);
    }
  }

  @Override
  public String toString() {
    return "RayCluster[" + address + (closed ? ", closed" : "") + "]";
  }

  private static String[] parseAddress(String address) {
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("RayCluster.connect: no cluster address given; Shard4j never starts a Ray"
          + " head itself (Ray's driver would stop every Ray process of the machine on shutdown)");
    }
    String a = address.trim();
    int colon = a.lastIndexOf(':');
    if (colon <= 0 || colon == a.length() - 1) {
      throw new IllegalArgumentException("RayCluster.connect: address '" + address + "' is not host:port");
    }
    try {
      int port = Integer.parseInt(a.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("RayCluster.connect: address '" + address + "' has no valid port", e);
    }
    return new String[] {a.substring(0, colon), a.substring(colon + 1)};
  }

  private static void checkReachable(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), CONNECT_CHECK_MS);
    } catch (IOException e) {
      throw new IllegalStateException("RayCluster.connect: no Ray cluster answers at " + host + ":" + port + " ("
          + e.getMessage() + "); start one with `ray start --head --node-ip-address=" + host + " --port=" + port
          + "` or check the address", e);
    }
  }

  /**
   * Ray's Java jar carries no version, but the wheel it comes from does: ray/_version.py beside ray/jars. When that
   * file is there, its version must be the one this module was built against.
   */
  private static void checkRayVersion() {
    String want = buildRayVersion();
    Path jar;
    try {
      var source = Ray.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return;
      }
      jar = Path.of(source.getLocation().toURI());
    } catch (URISyntaxException | SecurityException e) {
      return;
    }
    Path versionFile = jar.getParent() == null || jar.getParent().getParent() == null ? null
        : jar.getParent().getParent().resolve("_version.py");
    if (versionFile == null || !Files.isRegularFile(versionFile)) {
      return;
    }
    try {
      Matcher m = Pattern.compile("(?m)^version = \"([^\"]+)\"").matcher(
          Files.readString(versionFile, StandardCharsets.UTF_8));
      if (m.find() && !m.group(1).equals(want)) {
        throw new IllegalStateException("RayCluster: Ray version mismatch: the Ray Java runtime " + jar
            + " comes from Ray " + m.group(1) + ", but Shard4j's ray module was built against Ray " + want
            + "; install ray==" + want + " (scripts/ray-env.sh) and put its ray_dist.jar on the class path");
      }
    } catch (IOException e) {
      // unreadable: nothing to compare
    }
  }

  private static List<String> defaultCodeSearchPath() {
    String rayJar = null;
    try {
      var source = Ray.class.getProtectionDomain().getCodeSource();
      if (source != null) {
        rayJar = Path.of(source.getLocation().toURI()).toString();
      }
    } catch (URISyntaxException | SecurityException e) {
      // keep every entry
    }
    List<String> out = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!entry.isBlank() && !entry.equals(rayJar) && new File(entry).exists()) {
        out.add(new File(entry).getAbsolutePath());
      }
    }
    return out;
  }
}
