package dev.shard4j.tensor;

import dev.shard4j.nativelib.MemoryBinding;
import dev.shard4j.nativelib.NativeLibrary;

/** Counters of live native allocations, so tests and users can prove that nothing leaked. Thread-safe. */
public final class NativeMemory {
  static {
    NativeLibrary.load();
  }

  private NativeMemory() {}

  /** Number of live host allocations made by Shard4j. */
  public static long hostLiveCount() {
    return MemoryBinding.s4j_host_live_count();
  }

  /** Bytes of live host allocations made by Shard4j. */
  public static long hostLiveBytes() {
    return MemoryBinding.s4j_host_live_bytes();
  }

  /** Bytes of device memory held by live tensors (cached blocks excluded). */
  public static long deviceLiveBytes() {
    return CachingDeviceAllocator.instance().liveBytes();
  }
}
