package dev.shard4j.tensor;

import org.bytedeco.javacpp.Pointer;

/** A JavaCPP pointer at a raw address that it does not own; lets vendor presets read Shard4j memory. */
public final class RawPointer extends Pointer {
  /** Views {@code bytes} bytes at {@code address}; nothing is freed when this object goes away. */
  public RawPointer(long address, long bytes) {
    super((Pointer) null);
    this.address = address;
    this.limit = bytes;
    this.capacity = bytes;
  }
}
