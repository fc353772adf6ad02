package dev.shard4j.training;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.collectives.tcp.ProcessLauncher;
import dev.shard4j.collectives.tcp.TcpCommunicator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Profiles a process-based backend on this host: starts {@code ranks} JVMs of {@link ProfileRank} with the TCP
 * {@link ProcessLauncher} (which hosts the rendezvous store and hands each rank its {@code SHARD4J_*} environment),
 * so the measurements run over real TCP processes ({@code tcp}, CPU tensors) or one process per GPU ({@code nccl}),
 * waits for them and reads back the profile rank 0 wrote. The ranks use this JVM's class path.
 *
 * <p>{@code ProcessProfiler.forBackend("tcp", 4).profile(Path.of("tcp-profile.json"))}. A builder; use it from one
 * thread.
 */
public final class ProcessProfiler {
  private final String backend;
  private final int ranks;
  private CommunicatorProfiler profiler = CommunicatorProfiler.defaults();
  private int ranksPerNode;
  private final List<String> jvmArgs = new ArrayList<>(List.of("-Xmx1g"));
  private PrintStream output = System.out;
  private Duration timeout = Duration.ofMinutes(10);

  private ProcessProfiler(String backend, int ranks) {
    this.backend = backend;
    this.ranks = ranks;
  }

  /**
   * A profiler of {@code ranks} processes on {@code backend} ({@code tcp} or {@code nccl}). Throws {@link
   * IllegalArgumentException} for another backend or fewer than 2 ranks (a link needs two), and for {@code nccl}
   * {@link IllegalStateException} naming what is missing when this host has fewer visible CUDA devices than ranks
   * or no loadable NCCL.
   */
  public static ProcessProfiler forBackend(String backend, int ranks) {
    ProfileRank.checkBackend(backend);
    if (ranks < 2) {
      throw new IllegalArgumentException("profile --backend " + backend + ": --ranks must be >= 2 (the link is timed"
          + " between processes), got " + ranks);
    }
    if (backend.equals("nccl")) {
      ProfileRank.requireNccl(ranks, ranks + " ranks");
    }
    return new ProcessProfiler(backend, ranks);
  }

  /** The measuring settings the ranks use; default {@link CommunicatorProfiler#defaults()}. */
  public ProcessProfiler profiler(CommunicatorProfiler p) {
    this.profiler = p;
    return this;
  }

  /**
   * Describes the ranks as nodes of {@code n} consecutive ranks (the link inside a node timed on a split per node,
   * the link across nodes on the whole group), although all of them run on this host: for testing that path, or to
   * see what groups of ranks cost on one machine. {@code tcp} only (NCCL ranks of one host need a GPU each). Default:
   * one node of all ranks.
   */
  public ProcessProfiler ranksPerNode(int n) {
    if (n < 1 || ranks % n != 0) {
      throw new IllegalArgumentException("profile --backend " + backend + ": ranks per node " + n
          + " does not divide --ranks " + ranks);
    }
    if (!backend.equals("tcp") && n != ranks) {
      throw new IllegalArgumentException("profile --backend " + backend + ": several nodes on one host are for tcp"
          + " only (each NCCL rank needs its own GPU), got ranks per node " + n + " of " + ranks);
    }
    this.ranksPerNode = n;
    return this;
  }

  /** An extra JVM option for every rank (default {@code -Xmx1g}: tensors live off the heap). */
  public ProcessProfiler jvmArg(String a) {
    jvmArgs.add(a);
    return this;
  }

  /** Where the ranks' {@code [rank r]}-prefixed output goes; default {@code System.out}. */
  public ProcessProfiler output(PrintStream out) {
    this.output = out;
    return this;
  }

  /** After this long the ranks are killed and the profile fails; default 10 minutes. */
  public ProcessProfiler timeout(Duration d) {
    this.timeout = d;
    return this;
  }

  /**
   * Runs the ranks; rank 0 writes the profile to {@code out}, which is then parsed and returned. Throws {@link
   * IllegalStateException} naming the failed ranks when a rank fails or the launch times out.
   */
  public ClusterProfile profile(Path out) {
    Path file = out.toAbsolutePath();
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("profile: cannot replace " + file + ": " + e.getMessage(), e);
    }
    ProcessLauncher launcher = ProcessLauncher.forMain(ProfileRank.class.getName()).ranks(ranks)
        .args(new ProfileRank.Args(backend, file, profiler, ranksPerNode).toArgs().toArray(String[]::new))
        .env(TcpCommunicator.ENV_TIMEOUT_MS, "120000").timeout(timeout).output(output);
    jvmArgs.forEach(launcher::jvmArg);
    ProcessLauncher.Result r = launcher.launch();
    if (!r.ok() || !Files.exists(file)) {
      throw new IllegalStateException("profile --backend " + backend + " --ranks " + ranks + ": " + r
          + (r.ok() ? ", but rank 0 wrote no profile to " + file : "") + " (see the [rank r] output above)");
    }
    try {
      return ClusterProfile.fromJson(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("profile: cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
