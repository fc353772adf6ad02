package dev.shard4j.autoshard;

/**
 * Operator kinds of the planning graph. Each kind has an op class (which FLOP/s figure of the
 * {@link ClusterProfile} applies), a backward FLOP factor (backward FLOPs = factor x forward FLOPs) and whether the
 * intra-op solver merges it into its producer (trivial, as Alpa does for elementwise and reshape ops).
 */
public enum OpKind {
    MATMUL(OpClass.MATMUL, 2.0, false),
    ATTENTION(OpClass.MATMUL, 2.0, false),
    LAYERNORM(OpClass.ELEMENTWISE, 2.0, false),
    GELU(OpClass.ELEMENTWISE, 1.0, true),
    EMBEDDING(OpClass.ELEMENTWISE, 1.0, false),
    CROSS_ENTROPY(OpClass.ELEMENTWISE, 1.0, false),
    ELEMENTWISE(OpClass.ELEMENTWISE, 1.0, true),
    RESHAPE(OpClass.ELEMENTWISE, 0.0, true),
    TRANSPOSE(OpClass.ELEMENTWISE, 1.0, true);

    /** Which FLOP/s rate applies. */
    public final OpClass opClass;
    /** Backward FLOPs divided by forward FLOPs (2 for matmuls: grad of input and grad of weight). */
    public final double backwardFactor;
    /** Whether the op has no strategy of its own and follows the producer of its input produced last. */
    public final boolean trivial;

    OpKind(OpClass opClass, double backwardFactor, boolean trivial) {
        this.opClass = opClass;
        this.backwardFactor = backwardFactor;
        this.trivial = trivial;
    }

    /** FLOP/s classes of the cluster profile. */
    public enum OpClass { MATMUL, ELEMENTWISE }
}
