package dev.shard4j.autoshard;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a profile knows about compute beyond one FLOP/s figure per op class, all measured on the machine (empty for
 * the presets, whose devices neither share compute units nor run GEMMs small enough to matter):
 *
 * @param coresPerNode     compute units the devices of a node share, when fewer than the devices (ranks as threads
 *                         or processes on a CPU with fewer cores than ranks); 0 when every device has its own. The
 *                         profile's FLOP/s are per device with every device of the node busy, so a device whose
 *                         neighbours idle (a pipeline bubble) runs up to devicesPerNode / coresPerNode times faster
 * @param kernelSeconds    fixed seconds per kernel call (dispatch, autograd bookkeeping, launch), charged per call
 *                         on top of the FLOP time; 0 when not measured
 * @param matmulEfficiency rate of a GEMM whose smallest local dimension is the key, relative to the profile's MATMUL
 *                         FLOP/s (measured with the other two dimensions at the profiler's reference size);
 *                         interpolated in log(dim) between keys, clamped outside them; empty means 1 everywhere
 * @param syncSeconds      extra seconds a blocking collective or point-to-point hand-off costs when the ranks
 *                         arrive from computing (as in training) rather than from a barrier (as the link profile
 *                         is timed): the skew of ranks descheduled on shared cores; 0 when not measured
 */
public record ComputeCalibration(int coresPerNode, double kernelSeconds, Map<Integer, Double> matmulEfficiency,
                                 double syncSeconds) {
    /** No calibration: dedicated devices, no per-call cost, one GEMM rate, no arrival skew. */
    public static final ComputeCalibration NONE = new ComputeCalibration(0, 0, Map.of(), 0);

    public ComputeCalibration {
        if (coresPerNode < 0 || !(kernelSeconds >= 0) || !(syncSeconds >= 0)) {
            throw new IllegalArgumentException("compute calibration: coresPerNode=" + coresPerNode
                    + ", kernelSeconds=" + kernelSeconds + " and syncSeconds=" + syncSeconds + " must be >= 0");
        }
        matmulEfficiency = java.util.Collections.unmodifiableSortedMap(
                new TreeMap<>(matmulEfficiency == null ? Map.of() : matmulEfficiency));
        for (Map.Entry<Integer, Double> e : matmulEfficiency.entrySet()) {
            if (e.getKey() < 1 || !(e.getValue() > 0)) {
                throw new IllegalArgumentException("compute calibration: matmul efficiency " + e.getValue()
                        + " at dim " + e.getKey() + " (dims must be >= 1, efficiencies > 0)");
            }
        }
    }

    /** Whether the {@code devicesPerNode} devices of a node compete for fewer compute units. */
    public boolean sharesCores(int devicesPerNode) {
        return coresPerNode > 0 && coresPerNode < devicesPerNode;
    }

    /** The relative GEMM rate at smallest local dimension {@code minDim}. */
    public double matmulEfficiency(double minDim) {
        if (matmulEfficiency.isEmpty()) return 1;
        // the compact constructor stores a sorted map: read it without copying (this runs per op and strategy)
        java.util.SortedMap<Integer, Double> m = (java.util.SortedMap<Integer, Double>) matmulEfficiency;
        if (minDim <= m.firstKey()) return m.get(m.firstKey());
        if (minDim >= m.lastKey()) return m.get(m.lastKey());
        int loKey = m.headMap((int) Math.floor(minDim) + 1).lastKey();
        int hiKey = m.tailMap((int) Math.ceil(minDim)).firstKey();
        Map.Entry<Integer, Double> lo = Map.entry(loKey, m.get(loKey));
        Map.Entry<Integer, Double> hi = Map.entry(hiKey, m.get(hiKey));
        if (loKey == hiKey) return lo.getValue();
        double w = Math.log(minDim / lo.getKey()) / Math.log(hi.getKey() / (double) lo.getKey());
        return lo.getValue() + w * (hi.getValue() - lo.getValue());
    }
}
