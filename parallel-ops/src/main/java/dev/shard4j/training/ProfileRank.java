package dev.shard4j.training;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorOptions;
import dev.shard4j.collectives.Communicators;
import dev.shard4j.collectives.spi.Availability;
import dev.shard4j.collectives.tcp.TcpCommunicator;
import dev.shard4j.collectives.tcp.TcpStore;
import dev.shard4j.tensor.CudaRuntime;
import dev.shard4j.tensor.Device;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The program one rank of a process-based profile runs (what {@link ProcessProfiler} starts through the TCP
 * {@link dev.shard4j.collectives.tcp.ProcessLauncher}, one JVM per rank): joins the group described by the
 * launcher's {@code SHARD4J_*} environment with the {@code tcp} backend (CPU tensors) or the {@code nccl} backend
 * (tensors on {@code cuda:<local rank>}, rendezvous through the launcher's TCP store), runs
 * {@link CommunicatorProfiler#measure}, and rank 0 prints the report and writes the profile JSON.
 *
 * <pre>
 * ProfileRank --backend tcp|nccl --out FILE [--sizes B,B,...] [--iterations N] [--kernel-threads N]
 *             [--collectives all-reduce,all-gather,reduce-scatter] [--ranks-per-node N]
 * </pre>
 *
 * <p>{@code --ranks-per-node N} (default: all ranks, one node) describes ranks started on several hosts by hand,
 * N consecutive ranks per host: the link inside a host is then timed on a split per host and the link across hosts
 * on the whole group ({@link CommunicatorProfiler#measure(Communicator, Device, int)}). The local rank (which GPU
 * an NCCL rank uses) is {@value #ENV_LOCAL_RANK} when set, else the rank modulo N. Exits 0 on success; a failure
 * propagates as an exception (exit 1).
 */
public final class ProfileRank {
  /** Environment variable: this rank's index among the ranks of its host (its GPU), default the rank. */
  public static final String ENV_LOCAL_RANK = "SHARD4J_LOCAL_RANK";

  /** The backends a process-based profile runs on. */
  static final List<String> BACKENDS = List.of("tcp", "nccl");

  private ProfileRank() {}

  /** What one rank is asked to measure and where rank 0 writes the profile. */
  record Args(String backend, Path out, CommunicatorProfiler profiler, int ranksPerNode) {
    /** The command line that {@link #parse} reads back. */
    List<String> toArgs() {
      List<String> a = new ArrayList<>(List.of("--backend", backend, "--out", out.toAbsolutePath().toString(),
          "--iterations", Integer.toString(profiler.iterations()),
          "--kernel-threads", Integer.toString(profiler.kernelThreads())));
      a.add("--sizes");
      a.add(String.join(",", Arrays.stream(profiler.sizes()).mapToObj(Long::toString).toList()));
      if (ranksPerNode > 0) {
        a.add("--ranks-per-node");
        a.add(Integer.toString(ranksPerNode));
      }
      a.add("--collectives");
      a.add(String.join(",", Arrays.stream(CommunicatorProfiler.Collective.values())
          .filter(profiler.collectives()::contains).map(CommunicatorProfiler.Collective::label).toList()));
      return a;
    }

    static Args parse(String[] argv) {
      String backend = null;
      Path out = null;
      CommunicatorProfiler p = CommunicatorProfiler.defaults();
      int perNode = 0;
      for (int i = 0; i < argv.length; i++) {
        String name = argv[i];
        if (i + 1 >= argv.length) {
          throw new IllegalArgumentException("ProfileRank: option " + name + " needs a value");
        }
        String v = argv[++i];
        switch (name) {
          case "--backend" -> backend = checkBackend(v);
          case "--out" -> out = Path.of(v);
          case "--iterations" -> p = p.withIterations(Integer.parseInt(v));
          case "--kernel-threads" -> p = p.withKernelThreads(Integer.parseInt(v));
          case "--sizes" -> p = p.withSizes(Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray());
          case "--collectives" -> p = p.withCollectives(collectives(v));
          case "--ranks-per-node" -> perNode = Integer.parseInt(v);
          default -> throw new IllegalArgumentException("ProfileRank: unknown option " + name);
        }
      }
      if (backend == null || out == null) {
        throw new IllegalArgumentException("usage: ProfileRank --backend tcp|nccl --out FILE [--sizes B,B,...]"
            + " [--iterations N] [--kernel-threads N] [--collectives all-reduce,...] [--ranks-per-node N]; got "
            + Arrays.toString(argv));
      }
      return new Args(backend, out, p, perNode);
    }

    private static Set<CommunicatorProfiler.Collective> collectives(String list) {
      Set<CommunicatorProfiler.Collective> s = EnumSet.noneOf(CommunicatorProfiler.Collective.class);
      for (String label : list.split(",")) {
        s.add(Arrays.stream(CommunicatorProfiler.Collective.values()).filter(c -> c.label().equals(label.trim()))
            .findFirst().orElseThrow(() -> new IllegalArgumentException("ProfileRank: unknown collective '" + label
                + "'; expected all-reduce, all-gather or reduce-scatter")));
      }
      return s;
    }
  }

  /** Runs this rank; see the class comment. */
  public static void main(String[] argv) {
    run(Args.parse(argv), System.getenv());
  }

  static void run(Args a, Map<String, String> env) {
    int rank = intVar(env, TcpCommunicator.ENV_RANK);
    int size = intVar(env, TcpCommunicator.ENV_WORLD_SIZE);
    int perNode = a.ranksPerNode() > 0 ? a.ranksPerNode() : size;
    if (size % perNode != 0) {
      throw new IllegalArgumentException("ProfileRank: --ranks-per-node " + perNode + " does not divide the world size "
          + size);
    }
    if (a.backend().equals("tcp")) {
      try (Communicator comm = TcpCommunicator.fromEnvironment(env)) {
        measureAndWrite(a, comm, Device.CPU, perNode, "tcp-cpu", ClusterProfile.localCpu(perNode).memoryBytes());
      }
      return;
    }
    int local = env.get(ENV_LOCAL_RANK) == null ? rank % perNode : intVar(env, ENV_LOCAL_RANK);
    requireNccl(local + 1, "rank " + rank + " (local rank " + local + ")");
    Device device = Device.cuda(local);
    CudaRuntime.DeviceInfo info = CudaRuntime.availability().devices().get(local);
    try (TcpStore store = new TcpStore(var(env, TcpCommunicator.ENV_STORE), var(env, TcpCommunicator.ENV_TOKEN),
        Duration.ofSeconds(30));
        Communicator comm = Communicators.create("nccl", new CommunicatorOptions(rank, size, store, device,
            CommunicatorOptions.DEFAULT_TIMEOUT, "shard4j-profile", Map.of()))) {
      String name = "nccl-" + info.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
      measureAndWrite(a, comm, device, perNode, name, info.totalBytes());
    }
  }

  private static void measureAndWrite(Args a, Communicator comm, Device device, int perNode, String name,
      long memoryBytes) {
    CommunicatorProfiler.Result r = a.profiler().measure(comm, device, perNode);
    ClusterProfile p = r.applyTo(ClusterProfile.localCpu(perNode).withNodes(comm.size() / perNode));
    p = p.withName(name).withMemoryBytes(memoryBytes);
    if (comm.rank() == 0) {
      System.out.println(r.report());
      writeAtomically(a.out(), p.toJson());
    }
  }

  /**
   * Throws {@link IllegalStateException} naming what is missing unless the NCCL backend can run {@code devices}
   * ranks on this host (one GPU each): a visible CUDA device per rank and a loadable NCCL.
   */
  static void requireNccl(int devices, String who) {
    CudaRuntime.Availability cuda = CudaRuntime.availability();
    if (!cuda.available()) {
      throw new IllegalStateException("profile --backend nccl (" + who + "): no CUDA device is visible ("
          + cuda.reason() + "); NCCL runs one rank per GPU");
    }
    if (cuda.deviceCount() < devices) {
      throw new IllegalStateException("profile --backend nccl (" + who + "): needs " + devices + " CUDA device(s) on"
          + " this host (one rank per GPU), " + cuda.deviceCount() + " visible: " + cuda.devices());
    }
    Availability nccl = Communicators.backend("nccl").map(b -> b.availability())
        .orElse(Availability.no("the nccl backend is not registered"));
    if (!nccl.available()) {
      throw new IllegalStateException("profile --backend nccl: NCCL cannot run here: " + nccl.reason());
    }
  }

  static String checkBackend(String backend) {
    if (!BACKENDS.contains(backend)) {
      throw new IllegalArgumentException("profile: unknown backend '" + backend + "' for a process-based profile;"
          + " expected one of " + BACKENDS);
    }
    return backend;
  }

  private static void writeAtomically(Path out, String text) {
    try {
      Path abs = out.toAbsolutePath();
      Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
      Files.writeString(tmp, text);
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("ProfileRank: cannot write the profile to " + out + ": " + e.getMessage(), e);
    }
  }

  private static String var(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException("ProfileRank: environment variable " + name + " is not set (start the ranks"
          + " with " + ProcessProfiler.class.getName() + " or dev.shard4j.collectives.tcp.ProcessLauncher)");
    }
    return v.trim();
  }

  private static int intVar(Map<String, String> env, String name) {
    String v = var(env, name);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalStateException("ProfileRank: " + name + "='" + v + "' is not an integer", e);
    }
  }
}
