package dev.shard4j.autoshard;

/**
 * Operator kinds of the planning graph. Each kind has an op class (which FLOP/s figure of the
 * {@link ClusterProfile} applies), a backward FLOP factor (backward FLOPs = factor x forward FLOPs) and whether the
 * intra-op solver merges it into its producer (trivial, as Alpa does for elementwise and reshape ops), and how many
 * kernel calls its forward and backward make.
 */
public enum OpKind {
    MATMUL(OpClass.MATMUL, 2.0, false, 4),
    ATTENTION(OpClass.MATMUL, 2.0, false, 10),
    LAYERNORM(OpClass.ELEMENTWISE, 2.0, false, 2),
    GELU(OpClass.ELEMENTWISE, 1.0, true, 2),
    EMBEDDING(OpClass.ELEMENTWISE, 1.0, false, 2),
    CROSS_ENTROPY(OpClass.ELEMENTWISE, 1.0, false, 3),
    ELEMENTWISE(OpClass.ELEMENTWISE, 1.0, true, 1),
    RESHAPE(OpClass.ELEMENTWISE, 0.0, true, 0),
    TRANSPOSE(OpClass.ELEMENTWISE, 1.0, true, 2);

    /** Which FLOP/s rate applies. */
    public final OpClass opClass;
    /** Backward FLOPs divided by forward FLOPs (2 for matmuls: grad of input and grad of weight). */
    public final double backwardFactor;
    /** Whether the op has no strategy of its own and follows the producer of its input produced last. */
    public final boolean trivial;
    /**
     * Kernel calls of forward + backward as the layer runtime issues them (a linear: GEMM and bias forward, two
     * GEMMs backward; attention: batched GEMMs, softmax and layout copies both ways), each paying
     * {@link ComputeCalibration#kernelSeconds}.
     */
    public final int kernels;

    OpKind(OpClass opClass, double backwardFactor, boolean trivial, int kernels) {
        this.opClass = opClass;
        this.backwardFactor = backwardFactor;
        this.trivial = trivial;
        this.kernels = kernels;
    }

    /** FLOP/s classes of the cluster profile. */
    public enum OpClass { MATMUL, ELEMENTWISE }
}
