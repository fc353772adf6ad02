package dev.shard4j.collectives.spi;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorOptions;
import dev.shard4j.tensor.Device;

/**
 * A transport that implements {@link Communicator}: the one interface a backend provides, in the spirit of NCCL's
 * {@code ncclTransport} table and DJL's {@code EngineProvider}. Backends are found with
 * {@link java.util.ServiceLoader}: a backend is a public class with a public no-argument constructor implementing
 * this interface, listed on one line of {@code META-INF/services/dev.shard4j.collectives.spi.CommunicatorBackend}.
 * {@link dev.shard4j.collectives.Communicators} chooses among them.
 *
 * <p>Contract: {@link #name()} and {@link #priority()} are constants; {@link #availability()} never throws, never
 * crashes the JVM when a native library or driver is missing, and may cache its answer; {@link #create} is called
 * once per rank (each rank of a group calls it with its own rank and the same size, store, group name and timeout),
 * performs the rendezvous through the options' store, and returns a communicator that the caller owns and closes.
 * Implementations are thread-safe: ranks that are threads of one JVM call {@link #create} concurrently.
 */
public interface CommunicatorBackend {
  /** The short lower-case name users select the backend by, e.g. {@code local}, {@code tcp}, {@code nccl}. */
  String name();

  /**
   * Preference when no backend is named: among the available backends that support the options' device type, the
   * one with the highest priority is chosen. Built-in values: local 10, tcp 20, nccl 100.
   */
  int priority();

  /** True when this backend moves tensors on devices of {@code type}. */
  boolean supports(Device.Type type);

  /** Whether the backend can run on this machine, and if not, what is missing. Never throws. */
  Availability availability();

  /**
   * Joins this rank to the group described by {@code options} and returns its communicator (owned by the caller).
   * Throws {@link dev.shard4j.collectives.CommunicatorException} when the rendezvous fails or times out, naming the
   * missing ranks where known, and {@link IllegalArgumentException} for options this backend cannot honour.
   */
  Communicator create(CommunicatorOptions options);
}
