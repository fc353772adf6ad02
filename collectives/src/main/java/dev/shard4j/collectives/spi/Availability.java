package dev.shard4j.collectives.spi;

/**
 * Whether a {@link CommunicatorBackend} can run here, and if not, why: the reason names what is missing (a driver, a
 * device, a native library) so that a person can fix it. Immutable.
 *
 * @param available true when the backend can create communicators
 * @param reason empty when available, otherwise what is missing
 */
public record Availability(boolean available, String reason) {
  /** Checks that an unavailable backend gives a reason. */
  public Availability {
    if (reason == null) {
      reason = "";
    }
    if (!available && reason.isBlank()) {
      throw new IllegalArgumentException("Availability: an unavailable backend must say why");
    }
  }

  /** The backend is available. */
  public static Availability yes() {
    return new Availability(true, "");
  }

  /** The backend is unavailable because of {@code reason}. */
  public static Availability no(String reason) {
    return new Availability(false, reason);
  }
}
