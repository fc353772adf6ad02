package dev.shard4j.autoshard;

/**
 * A 2-D logical device mesh n0 x n1 (axis 1 is the inner, fastest-varying one: consecutive devices). A 1-D mesh is
 * n1 = 1. Immutable.
 */
public record MeshShape(int n0, int n1) {
    public MeshShape {
        if (n0 <= 0 || n1 <= 0) throw new IllegalArgumentException("mesh shape must be positive: " + n0 + "x" + n1);
    }

    /** Size of axis a (0 or 1). */
    public int size(int axis) { return axis == 0 ? n0 : n1; }

    /** Number of devices. */
    public int devices() { return n0 * n1; }

    @Override public String toString() { return n0 + "x" + n1; }
}
