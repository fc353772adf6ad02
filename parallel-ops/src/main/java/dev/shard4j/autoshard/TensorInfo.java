package dev.shard4j.autoshard;

import java.util.List;

/**
 * A tensor of the planning graph: name, shape and dtype; {@code parameter} marks trainable weights (whose gradient
 * and optimizer state the cost model counts). Immutable.
 */
public record TensorInfo(String name, List<Long> shape, DType dtype, boolean parameter) {
    public TensorInfo {
        shape = List.copyOf(shape);
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException("tensor " + name + ": non-positive dim in " + shape);
        }
    }

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Size in bytes. */
    public long bytes() { return numel() * dtype.bytes; }

    /** Rank. */
    public int rank() { return shape.size(); }
}
