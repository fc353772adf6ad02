package dev.shard4j.tensor;

import dev.shard4j.nativelib.MemoryBinding;

/**
 * A CUDA stream: kernels and copies issued on it run in order. Each Java thread has a current stream per device
 * (the legacy default stream until {@link #makeCurrent()} is called), which the kernel facades launch on, so ranks
 * running as threads never share a stream by accident. Close streams you create; the default stream needs no close.
 */
public final class CudaStream implements AutoCloseable {
  private static final ThreadLocal<CudaStream[]> CURRENT = ThreadLocal.withInitial(() -> new CudaStream[16]);

  private final Device device;
  private final long handle;
  private boolean closed;

  private CudaStream(Device device, long handle) {
    this.device = device;
    this.handle = handle;
  }

  /** Creates a new non-blocking stream on {@code device}. */
  public static CudaStream create(Device device) {
    CudaRuntime.require(device, "CudaStream.create");
    long[] out = new long[1];
    NativeStatus.check(MemoryBinding.s4j_cuda_stream_create(device.index(), out), "CudaStream.create(" + device + ")");
    return new CudaStream(device, out[0]);
  }

  /** The calling thread's current stream handle for {@code device} (0 is the default stream). */
  public static long currentHandle(Device device) {
    CudaStream[] streams = CURRENT.get();
    int i = device.index();
    CudaStream s = i < streams.length ? streams[i] : null;
    return s == null || s.closed ? 0L : s.handle;
  }

  /** Makes this the calling thread's current stream for its device; returns the previous one (may be null). */
  public CudaStream makeCurrent() {
    CudaStream[] streams = CURRENT.get();
    CudaStream previous = streams[device.index()];
    streams[device.index()] = this;
    return previous;
  }

  /** Waits until all work on the calling thread's current stream of {@code device} finished. */
  public static void synchronizeCurrent(Device device) {
    NativeStatus.check(MemoryBinding.s4j_cuda_stream_synchronize(currentHandle(device)), "synchronize(" + device + ")");
  }

  /** Waits until all work issued on this stream finished. */
  public void synchronize() {
    NativeStatus.check(MemoryBinding.s4j_cuda_stream_synchronize(handle), "CudaStream.synchronize");
  }

  public Device device() {
    return device;
  }

  /** The {@code cudaStream_t} as an address, for bindings such as cuBLAS and NCCL. */
  public long handle() {
    return handle;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      CudaStream[] streams = CURRENT.get();
      if (streams[device.index()] == this) {
        streams[device.index()] = null;
      }
      NativeStatus.check(MemoryBinding.s4j_cuda_stream_destroy(handle), "CudaStream.close");
    }
  }
}
