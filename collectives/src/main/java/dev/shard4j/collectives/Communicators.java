package dev.shard4j.collectives;

import dev.shard4j.collectives.spi.Availability;
import dev.shard4j.collectives.spi.CommunicatorBackend;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The front door to the collectives backends: creates one rank's {@link Communicator} with a named backend
 * ({@code "local"}, {@code "tcp"}, {@code "nccl"}, ...) or with the best available one. Backends are the {@link
 * CommunicatorBackend}s registered with {@link ServiceLoader}, loaded once. The system property {@value
 * #BACKEND_PROPERTY} (or, when it is unset, the environment variable {@value #BACKEND_ENV}) names the backend that
 * {@link #create(CommunicatorOptions)} uses instead of choosing. Static methods; any thread may call them.
 */
public final class Communicators {
  /** System property naming the backend that {@link #create(CommunicatorOptions)} uses. */
  public static final String BACKEND_PROPERTY = "shard4j.collectives.backend";

  /** Environment variable naming the backend, consulted when {@value #BACKEND_PROPERTY} is unset. */
  public static final String BACKEND_ENV = "SHARD4J_COLLECTIVES_BACKEND";

  private Communicators() {}

  private static final class Registered {
    static final List<CommunicatorBackend> BACKENDS = load();

    private static List<CommunicatorBackend> load() {
      List<CommunicatorBackend> list = new ArrayList<>();
      ClassLoader loader = Communicators.class.getClassLoader();
      for (CommunicatorBackend b : ServiceLoader.load(CommunicatorBackend.class, loader)) {
        list.add(b);
      }
      list.sort(Comparator.comparingInt(CommunicatorBackend::priority).reversed()
          .thenComparing(CommunicatorBackend::name));
      return List.copyOf(list);
    }
  }

  /** Every registered backend, highest priority first (available or not). */
  public static List<CommunicatorBackend> backends() {
    return Registered.BACKENDS;
  }

  /** The registered backend called {@code name} (case-insensitive), if any. */
  public static Optional<CommunicatorBackend> backend(String name) {
    return find(name, backends());
  }

  /**
   * Creates this rank's communicator with the backend called {@code name}; the caller owns it and must close it.
   * Throws {@link IllegalArgumentException} listing the registered names when there is no such backend, and {@link
   * BackendUnavailableException} saying what is missing when it cannot run here.
   */
  public static Communicator create(String name, CommunicatorOptions options) {
    return create(require(name, backends()), options);
  }

  /**
   * Creates this rank's communicator with the backend named by {@value #BACKEND_PROPERTY} / {@value #BACKEND_ENV}
   * when set, else with the available backend of highest priority that supports {@code options.device()}. Every
   * rank of a group must end up with the same backend.
   */
  public static Communicator create(CommunicatorOptions options) {
    return create(select(options, override(), backends()), options);
  }

  /** The backend name set by {@value #BACKEND_PROPERTY} or {@value #BACKEND_ENV}, or null. */
  static String override() {
    String p = System.getProperty(BACKEND_PROPERTY);
    if (p != null && !p.isBlank()) {
      return p.trim();
    }
    String e = System.getenv(BACKEND_ENV);
    return e == null || e.isBlank() ? null : e.trim();
  }

  /** The choice made by {@link #create(CommunicatorOptions)}, for the given override and candidates. */
  static CommunicatorBackend select(CommunicatorOptions options, String override,
      List<CommunicatorBackend> candidates) {
    if (override != null) {
      return require(override, candidates);
    }
    StringBuilder why = new StringBuilder();
    for (CommunicatorBackend b : candidates) {
      if (!b.supports(options.device().type())) {
        continue;
      }
      Availability a = b.availability();
      if (a.available()) {
        return b;
      }
      why.append("; ").append(b.name()).append(": ").append(a.reason());
    }
    throw new BackendUnavailableException("no collectives backend for " + options.device() + " is available"
        + (why.length() == 0 ? " (none supports " + options.device().type() + "; registered: " + names(candidates)
            + ")" : why.toString()));
  }

  private static Communicator create(CommunicatorBackend b, CommunicatorOptions options) {
    Availability a = b.availability();
    if (!a.available()) {
      throw new BackendUnavailableException("collectives backend '" + b.name() + "' is unavailable: " + a.reason());
    }
    if (!b.supports(options.device().type())) {
      throw new IllegalArgumentException("collectives backend '" + b.name() + "' does not support tensors on "
          + options.device() + " (rank " + options.rank() + " of " + options.size() + ")");
    }
    return b.create(options);
  }

  private static Optional<CommunicatorBackend> find(String name, List<CommunicatorBackend> candidates) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    return candidates.stream().filter(b -> b.name().equals(n)).findFirst();
  }

  private static CommunicatorBackend require(String name, List<CommunicatorBackend> candidates) {
    if (name == null) {
      throw new IllegalArgumentException("collectives backend name is null");
    }
    return find(name, candidates).orElseThrow(() -> new IllegalArgumentException("no collectives backend named '"
        + name + "'; registered: " + names(candidates)));
  }

  private static List<String> names(List<CommunicatorBackend> candidates) {
    return candidates.stream().map(CommunicatorBackend::name).toList();
  }
}
