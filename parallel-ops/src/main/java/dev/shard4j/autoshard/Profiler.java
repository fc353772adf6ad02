package dev.shard4j.autoshard;

import java.util.List;
import java.util.Map;

/**
 * Measures a cluster: collective timings on a real communicator and FLOP/s per op class. Implementations live with
 * the runtime; this package only consumes their samples. Profiling, planning and execution stay separate.
 */
public interface Profiler {
    /** One timing: a collective moved {@code bytes} (bus bytes, i.e. already scaled by (n-1)/n) in {@code seconds}. */
    record Sample(double bytes, double seconds) {}

    /** Fitted link parameters: time = alpha + beta * bytes. */
    record AlphaBeta(double alpha, double beta) {}

    /** Times all-reduce over an axis of the given size, inside a node or across nodes, for several sizes. */
    List<Sample> measureAllReduce(int axisSize, boolean crossNode);

    /** Measured FLOP/s per op class on one device. */
    Map<OpKind.OpClass, Double> measureFlops();

    /** Least-squares fit of time = alpha + beta * bytes; needs two distinct sizes. */
    static AlphaBeta fit(List<Sample> samples) {
        int n = samples.size();
        if (n < 2) throw new IllegalArgumentException("fit: need at least 2 samples, got " + n);
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (Sample s : samples) { sx += s.bytes(); sy += s.seconds(); sxx += s.bytes() * s.bytes(); sxy += s.bytes() * s.seconds(); }
        double den = n * sxx - sx * sx;
        if (Math.abs(den) <= 1e-12 * Math.max(1, n * sxx)) {
            throw new IllegalArgumentException("fit: samples need at least two distinct sizes");
        }
        double beta = (n * sxy - sx * sy) / den;
        double alpha = (sy - beta * sx) / n;
        return new AlphaBeta(alpha, beta);
    }

    /** Applies measured FLOP/s to a profile. */
    static ClusterProfile withMeasuredFlops(ClusterProfile p, Map<OpKind.OpClass, Double> measured) {
        return p.withFlops(measured);
    }
}
