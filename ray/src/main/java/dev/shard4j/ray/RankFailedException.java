package dev.shard4j.ray;

import java.util.List;

/**
 * A job launched by {@link RayLauncher} failed: {@link #rank()} is the rank held responsible (an actor that died
 * before one whose function threw, a function that threw before one whose communicator merely saw its peer go),
 * {@link #reason()} says why, and {@link #failures()} lists every rank failure the driver saw, one line each.
 */
public final class RankFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int rank;
  private final String reason;
  private final transient List<String> failures;

  RankFailedException(int rank, String reason, List<String> failures) {
    super("rank " + rank + " failed: " + reason + (failures.size() > 1
        ? "\nall failures:\n  " + String.join("\n  ", failures) : ""));
    this.rank = rank;
    this.reason = reason;
    this.failures = List.copyOf(failures);
  }

  /** The rank held responsible for the failure. */
  public int rank() {
    return rank;
  }

  /** Why it failed: an actor death (with Ray's message) or the rank's exception and stack trace. */
  public String reason() {
    return reason;
  }

  /** Every failure seen, one line per rank, the responsible rank first. */
  public List<String> failures() {
    return failures == null ? List.of() : failures;
  }
}
