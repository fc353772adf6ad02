package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Alpa's inter-op dynamic program (stage_construction.py, training_dp): slices layers 0..L-1 into stages, gives each
 * stage a sub-mesh and a logical mesh configuration, uses all D devices, and minimises
 * sum(t_i) + (B-1) * max(t_i) under per-stage memory limits. Enumerates t_max over the distinct stage times in
 * increasing order and stops early once (B-1) * t_max cannot beat the best total. Pure: cost table in, stages out.
 */
public final class InterOpSolver {
    /** One configuration of a stage (layers first..last on a sub-mesh): its time and memory. */
    public record StageOption(double time, double paramMemory, double activationMemory, Object config) {}

    /** Stage options per (first, last, sub-mesh index); an empty list means the stage cannot run there. */
    public interface CostTable {
        List<StageOption> options(int first, int last, int submesh);
    }

    /** A stage of the solution. */
    public record Stage(int first, int last, int submesh, StageOption option) {}

    /** The solution: stages in pipeline order and the objective. */
    public record Solution(List<Stage> stages, double objective) {}

    /**
     * Solves. {@code inFlight1F1B}: true means a stage followed by s-1 stages holds min(s, B) micro-batches of
     * activations (1F1B); false means B (GPipe).
     */
    public Solution solve(int layers, int devices, List<Submesh> submeshes, CostTable table, int microBatches,
                          double memoryBudget, boolean inFlight1F1B) {
        if (layers <= 0 || devices <= 0) throw new IllegalArgumentException("layers=" + layers + " devices=" + devices);
        int nm = submeshes.size();
        List<StageOption>[][][] opts = cache(layers, nm, table);
        int S = Math.min(layers, devices);
        // For any t_max, the best option of a cell (slice, sub-mesh, stages after it) is its fastest option that
        // fits memory, if that one is within t_max (a slower option only adds to the sum): precompute it.
        int[][][][] fastest = new int[S + 1][layers][layers][nm];
        TreeSet<Double> times = new TreeSet<>();
        double minNeed = Double.POSITIVE_INFINITY;
        for (int s = 1; s <= S; s++) {
            int copies = inFlight1F1B ? Math.min(s, microBatches) : microBatches;
            for (int l = 0; l < layers; l++) for (int i = l; i < layers; i++) for (int m = 0; m < nm; m++) {
                int best = -1;
                List<StageOption> os = opts[l][i][m];
                for (int k = 0; k < os.size(); k++) {
                    StageOption o = os.get(k);
                    // (2) memory: weights/state + in-flight activations <= budget
                    double need = o.paramMemory() + copies * o.activationMemory();
                    if (need > memoryBudget) { minNeed = Math.min(minNeed, need); continue; }
                    if (best < 0 || o.time() < os.get(best).time()) best = k;
                }
                fastest[s][l][i][m] = best;
                if (best >= 0) times.add(os.get(best).time());
            }
        }
        double best = Double.POSITIVE_INFINITY;
        Solution bestSol = null;
        double[][][] f = new double[S + 1][layers + 1][devices + 1];
        int[][][][] arg = new int[S + 1][layers + 1][devices + 1][];
        for (double tMax : times) {
            // early stop: total >= (B-1) * tMax for every later tMax
            if ((microBatches - 1) * tMax >= best) break;
            for (double[][] a : f) for (double[] b : a) Arrays.fill(b, Double.POSITIVE_INFINITY);
            f[0][layers][0] = 0;
            for (int s = 1; s <= S; s++) {
                for (int l = layers - 1; l >= 0; l--) {
                    for (int d = 1; d <= devices; d++) {
                        for (int i = l; i < layers; i++) {
                            for (int m = 0; m < nm; m++) {
                                int n = submeshes.get(m).devices();
                                if (n > d || f[s - 1][i + 1][d - n] == Double.POSITIVE_INFINITY) continue;
                                int k = fastest[s][l][i][m];
                                if (k < 0) continue;
                                StageOption o = opts[l][i][m].get(k);
                                // (1) every stage time is at most tMax
                                if (o.time() > tMax) continue;
                                double v = f[s - 1][i + 1][d - n] + o.time();
                                if (v < f[s][l][d]) { f[s][l][d] = v; arg[s][l][d] = new int[] {i, m, k}; }
                            }
                        }
                    }
                }
            }
            for (int s = 1; s <= S; s++) {
                // (3) all devices are used: f[s][0][D]
                if (f[s][0][devices] == Double.POSITIVE_INFINITY) continue;
                double total = f[s][0][devices] + (microBatches - 1) * tMax;
                if (total < best) {
                    best = total;
                    List<Stage> stages = new ArrayList<>();
                    int l = 0, d = devices;
                    for (int ss = s; ss >= 1; ss--) {
                        int[] a = arg[ss][l][d];
                        stages.add(new Stage(l, a[0], a[1], opts[l][a[0]][a[1]].get(a[2])));
                        d -= submeshes.get(a[1]).devices();
                        l = a[0] + 1;
                    }
                    bestSol = new Solution(stages, total);
                }
            }
        }
        if (bestSol == null) {
            if (minNeed < Double.POSITIVE_INFINITY) throw InfeasiblePlanException.memory(minNeed, memoryBudget);
            throw new InfeasiblePlanException("no pipeline covers " + layers + " layers on exactly " + devices
                    + " devices with sub-meshes " + submeshes);
        }
        return bestSol;
    }

    /** Pipeline objective of given stage times: sum + (B-1) max. */
    public static double pipelineTime(double[] stageTimes, int microBatches) {
        double sum = 0, max = 0;
        for (double t : stageTimes) { sum += t; max = Math.max(max, t); }
        return sum + (microBatches - 1) * max;
    }

    @SuppressWarnings("unchecked")
    private static List<StageOption>[][][] cache(int layers, int nm, CostTable table) {
        List<StageOption>[][][] o = new List[layers][layers][nm];
        for (int l = 0; l < layers; l++) for (int i = l; i < layers; i++) for (int m = 0; m < nm; m++) {
            List<StageOption> x = table.options(l, i, m);
            o[l][i][m] = x == null ? List.of() : x;
        }
        return o;
    }
}
