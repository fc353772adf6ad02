package dev.shard4j.collectives.tcp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the ranks of a job as JVM processes on this host, like torchrun: hosts the rendezvous store
 * ({@link TcpStoreServer}, loopback by default), generates a fresh secret job token, starts {@code n} JVMs running
 * a main class with {@code SHARD4J_RANK}, {@code SHARD4J_WORLD_SIZE}, {@code SHARD4J_STORE} and
 * {@code SHARD4J_TOKEN} set (so {@link TcpCommunicator#fromEnvironment()} joins the group), streams their output
 * with a {@code [rank r]} prefix, waits for all of them, and reports the ranks that failed. When one rank fails the
 * others get a grace period to fail on their own (their collectives notice) and are then killed.
 *
 * <p>From code: {@code ProcessLauncher.forMain("my.Main").ranks(4).launch()}. From a shell:
 * {@code java -cp CP dev.shard4j.collectives.tcp.ProcessLauncher --nproc 4 my.Main arg...}. A builder; use it from
 * one thread.
 */
public final class ProcessLauncher {
  private final String mainClass;
  private int ranks = 2;
  private List<String> args = List.of();
  private final List<String> jvmArgs = new ArrayList<>();
  private final Map<String, String> env = new LinkedHashMap<>();
  private String classpath = System.getProperty("java.class.path");
  private String bindAddress = "127.0.0.1";
  private Duration timeout = Duration.ofMinutes(10);
  private Duration failureGrace = Duration.ofSeconds(10);
  private PrintStream output = System.out;

  private ProcessLauncher(String mainClass) {
    this.mainClass = mainClass;
  }

  /** What a launch did: each rank's exit code (-1 if it was killed by the launcher) and the failed ranks. */
  public record Result(int[] exitCodes, List<Integer> failedRanks, boolean timedOut) {
    /** True when every rank exited with status 0. */
    public boolean ok() {
      return failedRanks.isEmpty() && !timedOut;
    }

    @Override
    public String toString() {
      return ok() ? "all " + exitCodes.length + " ranks succeeded"
          : (timedOut ? "timed out; " : "") + "failed rank(s) " + failedRanks + ", exit codes "
              + Arrays.toString(exitCodes);
    }
  }

  /** A launcher for {@code mainClass} (which calls {@link TcpCommunicator#fromEnvironment()}). */
  public static ProcessLauncher forMain(String mainClass) {
    return new ProcessLauncher(mainClass);
  }

  /** The number of ranks (processes), default 2. */
  public ProcessLauncher ranks(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("ProcessLauncher: ranks must be >= 1, got " + n);
    }
    this.ranks = n;
    return this;
  }

  /** Program arguments passed to every rank. */
  public ProcessLauncher args(String... a) {
    this.args = List.of(a);
    return this;
  }

  /** Extra JVM options for every rank (e.g. {@code -Xmx1g}). */
  public ProcessLauncher jvmArg(String a) {
    jvmArgs.add(a);
    return this;
  }

  /** An extra environment variable for every rank. */
  public ProcessLauncher env(String name, String value) {
    env.put(name, value);
    return this;
  }

  /**
   * Whether ranks may use shared memory between each other (the default, unless this JVM's environment has
   * {@code SHARD4J_TCP_SHM=0}); false passes {@code SHARD4J_TCP_SHM=0} to force sockets.
   */
  public ProcessLauncher sharedMemory(boolean on) {
    env.put(TcpCommunicator.ENV_SHM, on ? "1" : "0");
    return this;
  }

  /** The class path of the ranks; default this JVM's. */
  public ProcessLauncher classpath(String cp) {
    this.classpath = cp;
    return this;
  }

  /** The address the store and the ranks listen on; default loopback. */
  public ProcessLauncher bindAddress(String a) {
    this.bindAddress = a;
    return this;
  }

  /** After this long the launch is stopped and every rank still running is killed; default 10 minutes. */
  public ProcessLauncher timeout(Duration d) {
    this.timeout = d;
    return this;
  }

  /** How long the other ranks may keep running after one failed before they are killed; default 10 s. */
  public ProcessLauncher failureGrace(Duration d) {
    this.failureGrace = d;
    return this;
  }

  /** Where the ranks' prefixed output goes; default {@code System.out}. */
  public ProcessLauncher output(PrintStream out) {
    this.output = out;
    return this;
  }

  /** Starts the ranks, waits for them and returns what happened. Kills every rank it started before returning. */
  public Result launch() {
    String token = Handshake.newToken();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try (TcpStoreServer store = TcpStoreServer.start(bindAddress, 0, token)) {
      List<Process> procs = new ArrayList<>();
      List<Thread> pumps = new ArrayList<>();
      try {
        for (int r = 0; r < ranks; r++) {
          List<String> cmd = new ArrayList<>();
          cmd.add(java);
          cmd.addAll(jvmArgs);
          cmd.add("-cp");
          cmd.add(classpath);
          cmd.add(mainClass);
          cmd.addAll(args);
          ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
          Map<String, String> e = pb.environment();
          e.putAll(env);
          e.put(TcpCommunicator.ENV_RANK, Integer.toString(r));
          e.put(TcpCommunicator.ENV_WORLD_SIZE, Integer.toString(ranks));
          e.put(TcpCommunicator.ENV_STORE, store.address());
          e.put(TcpCommunicator.ENV_TOKEN, token);
          e.put(TcpCommunicator.ENV_BIND_ADDRESS, bindAddress);
          Process p = pb.start();
          procs.add(p);
          pumps.add(pump(p, r));
        }
        return waitFor(procs, pumps);
      } catch (IOException e) {
        throw new IllegalStateException("ProcessLauncher: cannot start rank " + procs.size() + " of " + mainClass
            + ": " + e.getMessage(), e);
      } finally {
        for (Process p : procs) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        }
        for (Process p : procs) {
          try {
            p.waitFor(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        // A rank killed while setting up shared memory may leave its ring file: the name starts with the job's hash.
        ShmSetup.removeLeftovers(token);
      }
    }
  }

  private Thread pump(Process p, int rank) {
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (output) {
            output.println("[rank " + rank + "] " + line);
          }
        }
      } catch (IOException ignored) {
        // process gone
      }
    }, "shard4j-launcher-output-rank" + rank);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private Result waitFor(List<Process> procs, List<Thread> pumps) {
    int n = procs.size();
    int[] codes = new int[n];
    Arrays.fill(codes, Integer.MIN_VALUE);
    long deadline = System.nanoTime() + timeout.toNanos();
    long killAt = Long.MAX_VALUE;
    boolean timedOut = false;
    int left = n;
    while (left > 0) {
      for (int r = 0; r < n; r++) {
        if (codes[r] == Integer.MIN_VALUE && !procs.get(r).isAlive()) {
          codes[r] = procs.get(r).exitValue();
          left--;
          if (codes[r] != 0 && killAt == Long.MAX_VALUE) {
            killAt = System.nanoTime() + failureGrace.toNanos();
          }
        }
      }
      long now = System.nanoTime();
      if (left > 0 && (now > deadline || now > killAt)) {
        timedOut = now > deadline;
        for (int r = 0; r < n; r++) {
          if (codes[r] == Integer.MIN_VALUE) {
            procs.get(r).destroyForcibly();
            codes[r] = -1;
          }
        }
        break;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        deadline = 0;
      }
    }
    for (Thread t : pumps) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<Integer> failed = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      if (codes[r] != 0) {
        failed.add(r);
      }
    }
    if (!failed.isEmpty()) {
      synchronized (output) {
        output.println("[launcher] " + mainClass + ": failed rank(s) " + failed + ", exit codes "
            + Arrays.toString(codes));
      }
    }
    return new Result(codes, failed, timedOut);
  }

  /**
   * {@code ProcessLauncher [--nproc N] [--bind ADDR] [--timeout-s S] [--no-shm] MAIN_CLASS [ARGS...]}: runs
   * MAIN_CLASS on N ranks with this JVM's class path ({@code --no-shm}: sockets only); exits with 0 when every rank
   * succeeded, 1 otherwise.
   */
  public static void main(String[] argv) {
    int i = 0;
    int n = 2;
    String bind = "127.0.0.1";
    long timeoutS = 600;
    boolean shm = !"0".equals(System.getenv(TcpCommunicator.ENV_SHM));
    while (i < argv.length && argv[i].startsWith("--")) {
      switch (argv[i]) {
        case "--nproc" -> n = Integer.parseInt(argv[++i]);
        case "--bind" -> bind = argv[++i];
        case "--timeout-s" -> timeoutS = Long.parseLong(argv[++i]);
        case "--no-shm" -> shm = false;
        default -> {
          System.err.println("ProcessLauncher: unknown option " + argv[i]);
          System.exit(2);
        }
      }
      i++;
    }
    if (i >= argv.length) {
      System.err.println("usage: ProcessLauncher [--nproc N] [--bind ADDR] [--timeout-s S] [--no-shm] MAIN_CLASS"
          + " [ARGS...]");
      System.exit(2);
    }
    Result r = forMain(argv[i]).ranks(n).bindAddress(bind).timeout(Duration.ofSeconds(timeoutS)).sharedMemory(shm)
        .args(Arrays.copyOfRange(argv, i + 1, argv.length)).launch();
    System.out.println("[launcher] " + r);
    System.exit(r.ok() ? 0 : 1);
  }
}
