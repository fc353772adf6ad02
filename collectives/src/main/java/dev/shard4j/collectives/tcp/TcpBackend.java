package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorOptions;
import dev.shard4j.collectives.spi.Availability;
import dev.shard4j.collectives.spi.CommunicatorBackend;
import dev.shard4j.tensor.Device;

/**
 * The {@code tcp} backend as a {@link CommunicatorBackend}: ranks are processes (or threads) connected by
 * authenticated TCP (see {@link TcpCommunicator}). The job token comes from the option property {@code tcp.token},
 * else from the environment variable {@value TcpCommunicator#ENV_TOKEN}; {@code tcp.bind} sets the address ranks
 * listen on (default loopback). Always available. Stateless and thread-safe.
 */
public final class TcpBackend implements CommunicatorBackend {
  /** The name this backend is selected by. */
  public static final String NAME = "tcp";

  /** Created by {@link java.util.ServiceLoader}. */
  public TcpBackend() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 20;
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
      throw new IllegalArgumentException("tcp backend: rank " + options.rank() + " of " + options.size()
          + " asks for " + options.device() + "; the tcp backend moves cpu tensors only");
    }
    String token = options.property("tcp.token", System.getenv(TcpCommunicator.ENV_TOKEN));
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("tcp backend: rank " + options.rank() + " has no job token: set the option "
          + "property tcp.token or the environment variable " + TcpCommunicator.ENV_TOKEN);
    }
    TcpOptions tcp = TcpOptions.defaults().withTimeout(options.timeout())
        .withBindAddress(options.property("tcp.bind", TcpOptions.defaults().bindAddress()));
    return TcpCommunicator.create(options.store(), options.group(), token, options.rank(), options.size(), tcp);
  }
}
