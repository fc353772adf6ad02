package dev.shard4j.tensor;

import dev.shard4j.nativelib.MemoryBinding;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Caching allocator for CUDA device memory, in the manner of PyTorch's: freed blocks are kept in per-device,
 * per-size-class free lists and reused, because {@code cudaMalloc}/{@code cudaFree} synchronize the device.
 * Sizes round up to 512 bytes below 1 MiB and to 2 MiB above. A block is reused only on the stream it was
 * allocated for, so stream ordering alone makes reuse safe. Thread-safe.
 */
public final class CachingDeviceAllocator {
  private static final long SMALL_ROUND = 512;
  private static final long LARGE_ROUND = 2L << 20;
  private static final long SMALL_LIMIT = 1L << 20;

  private static final CachingDeviceAllocator INSTANCE = new CachingDeviceAllocator();

  private record Key(int device, long stream, long size) {}

  private final Map<Key, ArrayDeque<Long>> free = new HashMap<>();
  private long cachedBytes;
  private long liveBytes;
  private long liveBlocks;

  private CachingDeviceAllocator() {}

  /** The process-wide allocator. */
  public static CachingDeviceAllocator instance() {
    return INSTANCE;
  }

  /** Size actually reserved for a request of {@code bytes}. */
  public static long roundedSize(long bytes) {
    long round = bytes <= SMALL_LIMIT ? SMALL_ROUND : LARGE_ROUND;
    return Math.max(round, (bytes + round - 1) / round * round);
  }

  /** Returns a block of at least {@code bytes} on {@code device} for use on {@code stream}. */
  public synchronized long allocate(Device device, long bytes, long stream) {
    long size = roundedSize(bytes);
    ArrayDeque<Long> list = free.get(new Key(device.index(), stream, size));
    long address;
    if (list != null && !list.isEmpty()) {
      address = list.pop();
      cachedBytes -= size;
    } else {
      long[] out = new long[1];
      int status = MemoryBinding.s4j_cuda_malloc(device.index(), size, out);
      if (status == NativeStatus.OUT_OF_MEMORY && cachedBytes > 0) {
        emptyCache();
        status = MemoryBinding.s4j_cuda_malloc(device.index(), size, out);
      }
      NativeStatus.check(status, "allocate " + bytes + " bytes on " + device);
      address = out[0];
    }
    liveBytes += size;
    liveBlocks++;
    return address;
  }

  /** Returns a block to the cache. */
  public synchronized void release(Device device, long address, long bytes, long stream) {
    long size = roundedSize(bytes);
    free.computeIfAbsent(new Key(device.index(), stream, size), k -> new ArrayDeque<>()).push(address);
    cachedBytes += size;
    liveBytes -= size;
    liveBlocks--;
  }

  /** Frees every cached block back to the driver. */
  public synchronized void emptyCache() {
    for (Map.Entry<Key, ArrayDeque<Long>> e : free.entrySet()) {
      for (long address : e.getValue()) {
        MemoryBinding.s4j_cuda_free(e.getKey().device(), address);
      }
    }
    free.clear();
    cachedBytes = 0;
  }

  /** Bytes held by live tensors. */
  public synchronized long liveBytes() {
    return liveBytes;
  }

  /** Number of live blocks. */
  public synchronized long liveBlocks() {
    return liveBlocks;
  }

  /** Bytes held in the cache, free for reuse. */
  public synchronized long cachedBytes() {
    return cachedBytes;
  }
}
