package dev.shard4j.autoshard;

/**
 * Alpha-beta cost of collectives on the axes of a logical mesh placed on a cluster, and compute time. Axis 1 is the
 * inner axis: it stays inside a node when n1 <= devicesPerNode; axis 0 is inside a node only when the whole mesh
 * fits in one node. Inside a node an axis of n devices uses the profile's link for groups of n when it has one
 * ({@link ClusterProfile#intraLink}). One method per collective; B is the full (gathered / reduced) buffer in bytes.
 * Pure.
 */
public final class CostModel {
    private final ClusterProfile cluster;
    private final MeshShape mesh;
    private final double[] alpha = new double[2];
    private final double[] beta = new double[2];

    public CostModel(ClusterProfile cluster, MeshShape mesh) {
        this.cluster = cluster;
        this.mesh = mesh;
        for (int a = 0; a < 2; a++) {
            ClusterProfile.Link measured = crossesNodes(a) ? null : cluster.groupLinks().get(mesh.size(a));
            alpha[a] = crossesNodes(a) ? cluster.interAlpha() : measured != null ? measured.alpha() : cluster.intraAlpha();
            beta[a] = crossesNodes(a) ? cluster.interBeta() : measured != null ? measured.beta() : cluster.intraBeta();
        }
    }

    public MeshShape mesh() { return mesh; }

    public ClusterProfile cluster() { return cluster; }

    /** Whether mesh axis a spans nodes. */
    public boolean crossesNodes(int axis) {
        if (axis == 1) return mesh.n1() > cluster.devicesPerNode();
        return mesh.devices() > cluster.devicesPerNode();
    }

    /** The link's latency plus the measured arrival skew of ranks coming from compute. */
    private double alpha(int axis) { return alpha[axis] + cluster.calibration().syncSeconds(); }

    private double beta(int axis) { return beta[axis]; }

    private double factor(int axis) {
        int n = mesh.size(axis);
        return (n - 1) / (double) n;
    }

    /** all-gather to B bytes: alpha + beta (n-1)/n B; 0 on a size-1 axis. */
    public double allGather(double bytes, int axis) {
        return mesh.size(axis) == 1 ? 0 : alpha(axis) + beta(axis) * factor(axis) * bytes;
    }

    /** all-reduce of B bytes: alpha + 2 beta (n-1)/n B. */
    public double allReduce(double bytes, int axis) {
        return mesh.size(axis) == 1 ? 0 : alpha(axis) + 2 * beta(axis) * factor(axis) * bytes;
    }

    /**
     * Gradient buckets: the data-parallel runtime (as PyTorch's DDP) fuses gradients into buckets of this many bytes
     * before reducing them, so a parameter's gradient sync pays its share of one collective's latency.
     */
    public static final double GRADIENT_BUCKET_BYTES = 25 << 20;

    /** Gradient all-reduce of B bytes in buckets: min(1, B / bucket) alpha + 2 beta (n-1)/n B. */
    public double gradientAllReduce(double bytes, int axis) {
        return mesh.size(axis) == 1 ? 0
                : alpha(axis) * Math.min(1, bytes / GRADIENT_BUCKET_BYTES) + 2 * beta(axis) * factor(axis) * bytes;
    }

    /** Gradient reduce-scatter of B bytes in buckets (ZeRO): min(1, B / bucket) alpha + beta (n-1)/n B. */
    public double gradientReduceScatter(double bytes, int axis) {
        return mesh.size(axis) == 1 ? 0
                : alpha(axis) * Math.min(1, bytes / GRADIENT_BUCKET_BYTES) + beta(axis) * factor(axis) * bytes;
    }

    /** reduce-scatter of B bytes: alpha + beta (n-1)/n B. */
    public double reduceScatter(double bytes, int axis) {
        return mesh.size(axis) == 1 ? 0 : alpha(axis) + beta(axis) * factor(axis) * bytes;
    }

    /** all-to-all of B bytes: alpha + beta (n-1)/n B / n (each device sends (n-1)/n of its B/n shard). */
    public double allToAll(double bytes, int axis) {
        int n = mesh.size(axis);
        return n == 1 ? 0 : alpha(axis) + beta(axis) * factor(axis) * bytes / n;
    }

    /** Point-to-point send of B bytes between pipeline stages (inter-node link when the cluster has several nodes). */
    public double sendRecv(double bytes) {
        double sync = cluster.calibration().syncSeconds();
        return cluster.nodes() > 1 ? cluster.interAlpha() + sync + cluster.interBeta() * bytes
                : cluster.intraAlpha() + sync + cluster.intraBeta() * bytes;
    }

    /** Seconds to execute FLOPs of an op class on one device. */
    public double compute(double flops, OpKind.OpClass opClass) {
        return flops / cluster.flopsFor(opClass);
    }

    /**
     * FLOP-equivalents of one parameter's AdamW update at the element-wise rate: the update streams 7 fp32 values per
     * parameter (reads weight, gradient and both moments, writes weight and moments: 28 bytes), and the element-wise
     * rate is measured on GELU, which moves 8 bytes per 8 FLOP.
     */
    static final double UPDATE_FLOPS_PER_PARAMETER = 28;

    /** Seconds of the optimizer update of {@code elements} parameters on one device: one fused kernel. */
    public double optimizerUpdate(double elements) {
        if (elements <= 0) return 0;
        return cluster.calibration().kernelSeconds()
                + elements * UPDATE_FLOPS_PER_PARAMETER / cluster.flopsFor(OpKind.OpClass.ELEMENTWISE);
    }

    /**
     * Forward + backward seconds of one op on one device: its kernel calls at the profile's fixed cost per call, plus
     * its local FLOPs at the op class's rate, for GEMMs scaled by the measured efficiency at their smallest local
     * dimension ({@link ComputeCalibration}; without calibration this is {@link #compute}).
     */
    public double opSeconds(OpKind kind, double localFlops, double gemmMinDim) {
        ComputeCalibration c = cluster.calibration();
        double rate = cluster.flopsFor(kind.opClass);
        if (kind.opClass == OpKind.OpClass.MATMUL && Double.isFinite(gemmMinDim)) {
            rate *= c.matmulEfficiency(gemmMinDim);
        }
        return kind.kernels * c.kernelSeconds() + localFlops / rate;
    }
}
