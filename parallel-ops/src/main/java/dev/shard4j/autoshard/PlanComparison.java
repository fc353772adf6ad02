package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.List;

/**
 * Compares the automatic plan of a graph with hand-designed ones under the same {@link Simulator}: every
 * DP x TP x PP grid point ({@link ManualPlans#grid3d}) that fits memory, and ZeRO-3 ({@link ManualPlans#zero3}).
 * Pure apart from the planner's solver time limits; one call at a time per instance.
 */
public final class PlanComparison {
    /** A simulated plan: name, step seconds, peak bytes per device, whether it fits the memory budget. */
    public record Entry(String name, Plan plan, double stepSeconds, double peakBytes, boolean fits) {}

    /** Result: the automatic plan, its planning statistics, the best fitting grid point (or null), ZeRO-3. */
    public record Result(Entry auto, PlanningStats stats, Entry bestGrid, int gridPoints, int gridPointsFitting,
                         Entry zero3) {
        /** Auto step time over the best grid point's (NaN when no grid point fits). */
        public double autoOverGrid() { return bestGrid == null ? Double.NaN : auto.stepSeconds() / bestGrid.stepSeconds(); }

        /** Auto step time over ZeRO-3's (NaN when ZeRO-3 does not fit). */
        public double autoOverZero3() { return zero3.fits() ? auto.stepSeconds() / zero3.stepSeconds() : Double.NaN; }
    }

    private final ClusterProfile cluster;
    private final AutoShardOptions options;

    public PlanComparison(ClusterProfile cluster, AutoShardOptions options) {
        this.cluster = cluster;
        this.options = options;
    }

    /** Plans the graph automatically and simulates it against the grid and ZeRO-3. */
    public Result compare(Graph g) {
        AutoSharder.Result auto = new AutoSharder(cluster, options).planDetailed(g);
        Entry a = entry(g, auto.plan());
        Entry best = null;
        int points = 0, fitting = 0;
        for (Plan p : gridPlans(g)) {
            points++;
            Entry e = entry(g, p);
            if (!e.fits()) continue;
            fitting++;
            if (best == null || e.stepSeconds() < best.stepSeconds()) best = e;
        }
        return new Result(a, auto.stats(), best, points, fitting, entry(g, ManualPlans.zero3(g, cluster, options)));
    }

    /** Every valid DP x TP x PP grid point of the cluster for the graph (stage device counts forming sub-meshes). */
    public List<Plan> gridPlans(Graph g) {
        List<Plan> out = new ArrayList<>();
        int n = cluster.devices();
        for (int pp = 1; pp <= Math.min(n, g.numLayers()); pp++) {
            if (n % pp != 0) continue;
            for (int tp = 1; tp <= n / pp; tp++) {
                if ((n / pp) % tp != 0) continue;
                int dp = n / pp / tp;
                try {
                    out.add(ManualPlans.grid3d(g, cluster, options, dp, tp, pp));
                } catch (IllegalArgumentException e) {
                    // stage device count is no sub-mesh of the cluster: not a grid point
                }
            }
        }
        return out;
    }

    private Entry entry(Graph g, Plan p) {
        Simulator.Estimate e = new Simulator(g, cluster, options).estimate(p);
        boolean fits = e.peakMemoryBytes() <= cluster.memoryBytes() * options.memoryFraction();
        return new Entry(p.name(), p, e.stepSeconds(), e.peakMemoryBytes(), fits);
    }
}
