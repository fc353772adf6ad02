package dev.shard4j.tensor;

import java.util.Objects;

/**
 * Where a tensor's memory lives and where kernels on it run: the host CPU or CUDA device {@code N}. Immutable value.
 * Parse with {@link #parse(String)} ({@code "cpu"}, {@code "cuda"}, {@code "cuda:1"}).
 */
public final class Device {
  /** Kind of device. */
  public enum Type {
    CPU,
    CUDA
  }

  /** The host CPU, the embedded default. */
  public static final Device CPU = new Device(Type.CPU, -1);

  private final Type type;
  private final int index;

  private Device(Type type, int index) {
    this.type = type;
    this.index = index;
  }

  /** CUDA device {@code index} (ordinal among visible devices). Availability is checked when it is first used. */
  public static Device cuda(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("cuda device index must be >= 0, got " + index);
    }
    return new Device(Type.CUDA, index);
  }

  /** Parses {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}. */
  public static Device parse(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.equals("cpu")) {
      return CPU;
    }
    if (t.equals("cuda")) {
      return cuda(0);
    }
    if (t.startsWith("cuda:")) {
      try {
        return cuda(Integer.parseInt(t.substring(5)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("device: cannot parse '" + text + "'; expected cpu, cuda or cuda:N", e);
      }
    }
    throw new IllegalArgumentException("device: cannot parse '" + text + "'; expected cpu, cuda or cuda:N");
  }

  public Type type() {
    return type;
  }

  /** CUDA ordinal, or -1 for the CPU. */
  public int index() {
    return index;
  }

  public boolean isCuda() {
    return type == Type.CUDA;
  }

  public boolean isCpu() {
    return type == Type.CPU;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Device && ((Device) o).type == type && ((Device) o).index == index;
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, index);
  }

  @Override
  public String toString() {
    return type == Type.CPU ? "cpu" : "cuda:" + index;
  }
}
