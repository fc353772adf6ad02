package dev.shard4j.autoshard;

/** Element types the planner knows, with their storage size in bytes. */
public enum DType {
    F32(4), BF16(2), F16(2), I32(4);

    /** Bytes per element. */
    public final int bytes;

    DType(int bytes) { this.bytes = bytes; }
}
