package dev.shard4j.tensor;

import dev.shard4j.nativelib.MemoryBinding;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reference-counted block of host or device memory shared by a tensor and its views. Freed deterministically when
 * the last tensor that references it is closed.
 */
final class Storage {
  private final Device device;
  private final long address;
  private final long bytes;
  private final long stream;
  private final AtomicInteger refs = new AtomicInteger(1);

  private Storage(Device device, long address, long bytes, long stream) {
    this.device = device;
    this.address = address;
    this.bytes = bytes;
    this.stream = stream;
  }

  static Storage allocate(Device device, long bytes) {
    if (device.isCpu()) {
      long[] out = new long[1];
      NativeStatus.check(MemoryBinding.s4j_host_alloc(bytes, out), "allocate " + bytes + " bytes on cpu");
      return new Storage(device, out[0], bytes, 0);
    }
    CudaRuntime.require(device, "allocate");
    long stream = CudaStream.currentHandle(device);
    long address = CachingDeviceAllocator.instance().allocate(device, bytes, stream);
    return new Storage(device, address, bytes, stream);
  }

  Device device() {
    return device;
  }

  long address() {
    return address;
  }

  long bytes() {
    return bytes;
  }

  boolean isFreed() {
    return refs.get() <= 0;
  }

  void retain() {
    int r;
    do {
      r = refs.get();
      if (r <= 0) {
        throw new IllegalStateException("storage of " + bytes + " bytes on " + device + " is already freed");
      }
    } while (!refs.compareAndSet(r, r + 1));
  }

  void release() {
    if (refs.decrementAndGet() == 0) {
      if (device.isCpu()) {
        MemoryBinding.s4j_host_free(address, bytes);
      } else {
        CachingDeviceAllocator.instance().release(device, address, bytes, stream);
      }
    }
  }
}
