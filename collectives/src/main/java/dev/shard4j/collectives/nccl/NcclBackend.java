package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorOptions;
import dev.shard4j.collectives.spi.Availability;
import dev.shard4j.collectives.spi.CommunicatorBackend;
import dev.shard4j.tensor.Device;

/**
 * The {@code nccl} backend as a {@link CommunicatorBackend}: one {@link NcclCommunicator} per rank on CUDA tensors.
 * Available when a CUDA device is visible and {@code libnccl.so.2} (NCCL 2.18 or newer) loads through the JavaCPP
 * presets; otherwise {@link #availability()} says which of these is missing. Stateless and thread-safe.
 */
public final class NcclBackend implements CommunicatorBackend {
  /** The name this backend is selected by. */
  public static final String NAME = "nccl";

  /**
   * Property of {@link CommunicatorOptions}: {@code "true"} makes every call check through the store that all ranks
   * issued the same call (and that send/recv sizes match), failing with the mismatch instead of hanging. Costs store
   * round trips on every call; for debugging.
   */
  public static final String VERIFY_CALLS = "nccl.verifyCalls";

  /** Created by {@link java.util.ServiceLoader}. */
  public NcclBackend() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public boolean supports(Device.Type type) {
    return type == Device.Type.CUDA;
  }

  @Override
  public Availability availability() {
    return NcclLibrary.availability();
  }

  @Override
  public Communicator create(CommunicatorOptions options) {
    return NcclCommunicator.create(options);
  }
}
