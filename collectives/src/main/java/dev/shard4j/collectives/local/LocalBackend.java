package dev.shard4j.collectives.local;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorOptions;
import dev.shard4j.collectives.spi.Availability;
import dev.shard4j.collectives.spi.CommunicatorBackend;
import dev.shard4j.tensor.Device;

/**
 * The {@code local} backend as a {@link CommunicatorBackend}: ranks are threads of one JVM on CPU tensors (see
 * {@link LocalCommunicator}); the ranks meet through the options' store, so each rank's thread calls {@link
 * #create} itself. Always available. {@link LocalCluster} remains the shortcut that creates a whole group at once.
 * Stateless and thread-safe.
 */
public final class LocalBackend implements CommunicatorBackend {
  /** The name this backend is selected by. */
  public static final String NAME = "local";

  /** Created by {@link java.util.ServiceLoader}. */
  public LocalBackend() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 10;
  }

  @Override
  public boolean supports(Device.Type type) {
    return type == Device.Type.CPU;
  }

  @Override
  public Availability availability() {
    return Availability.yes();
  }

  @Override
  public Communicator create(CommunicatorOptions options) {
    if (!options.device().isCpu()) {
      throw new IllegalArgumentException("local backend: rank " + options.rank() + " of " + options.size()
          + " asks for " + options.device() + "; the local backend moves cpu tensors only");
    }
    return LocalRendezvous.join(options);
  }
}
