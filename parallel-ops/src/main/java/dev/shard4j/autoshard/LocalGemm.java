package dev.shard4j.autoshard;

/**
 * The smallest dimension of the GEMMs an op runs on one device under a strategy, which decides how close a GEMM
 * kernel gets to its peak ({@link ComputeCalibration#matmulEfficiency}). A matmul's rows, contracted and output
 * columns are the products of its letters' local extents (a letter split by a mesh axis counts 1/size of its
 * tensor dim); attention runs one (sequence x head width) by (head width x sequence) GEMM per batch row and head.
 * Extents come from the tensors' dims, since a letter's index size may count whole heads of a packed dim. Pure.
 */
final class LocalGemm {
    private LocalGemm() {}

    /** The smallest local GEMM dimension of {@code op} under {@code assign} on {@code mesh}; +inf for non-GEMM ops. */
    static double minDim(Graph g, Op op, String assign, MeshShape mesh) {
        if (op.kind() == OpKind.ATTENTION) {
            String out = op.outputLabels();
            TensorInfo t = g.tensor(op.output());
            int hDim = out.indexOf('h');
            int sDim = out.indexOf('s');
            if (hDim < 0 || sDim < 0) return Double.POSITIVE_INFINITY;
            double headWidth = t.shape().get(hDim) / (double) op.indexSizes().get('h');
            return Math.min(headWidth, local(t.shape().get(sDim), 's', assign, mesh));
        }
        if (op.kind() != OpKind.MATMUL || op.params().isEmpty()) return Double.POSITIVE_INFINITY;
        String x = op.inputLabels(0), w = op.paramLabels(0), y = op.outputLabels();
        TensorInfo xt = g.tensor(op.inputs().get(0)), wt = g.tensor(op.params().get(0));
        double rows = 1, inner = 1, cols = 1;
        for (int i = 0; i < x.length(); i++) {
            char c = x.charAt(i);
            double e = local(xt.shape().get(i), c, assign, mesh);
            if (w.indexOf(c) < 0 && y.indexOf(c) >= 0) rows *= e;
            else if (w.indexOf(c) >= 0 && y.indexOf(c) < 0) inner *= e;
        }
        for (int i = 0; i < w.length(); i++) {
            char c = w.charAt(i);
            if (x.indexOf(c) < 0 && y.indexOf(c) >= 0) cols *= local(wt.shape().get(i), c, assign, mesh);
        }
        return Math.min(rows, Math.min(inner, cols));
    }

    private static double local(long extent, char letter, String assign, MeshShape mesh) {
        double e = extent;
        for (int a = 0; a < assign.length(); a++) if (assign.charAt(a) == letter) e /= mesh.size(a);
        return e;
    }
}
