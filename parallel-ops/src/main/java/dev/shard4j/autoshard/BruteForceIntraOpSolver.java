package dev.shard4j.autoshard;

/**
 * Reference solver for small problems: enumerates every assignment. Used to cross-check the ILP. Pure.
 */
public final class BruteForceIntraOpSolver {
    /** Largest number of assignments it will enumerate. */
    public static final long MAX_ASSIGNMENTS = 5_000_000;

    /** Solves exactly; throws {@link InfeasiblePlanException} when nothing fits. */
    public IntraOpSolution solve(IntraOpProblem p) {
        int n = p.nodes().size();
        long total = 1;
        for (IntraOpProblem.Node node : p.nodes()) {
            total *= node.cost().length;
            if (total > MAX_ASSIGNMENTS) {
                throw new IllegalArgumentException("brute force: more than " + MAX_ASSIGNMENTS + " assignments");
            }
        }
        int[] c = new int[n];
        int[] best = null;
        double bestCost = Double.POSITIVE_INFINITY, minMem = Double.POSITIVE_INFINITY;
        for (long it = 0; it < total; it++) {
            double mem = p.memory(c);
            minMem = Math.min(minMem, mem);
            if (mem <= p.memoryBudget()) {
                double cost = p.cost(c);
                if (cost < bestCost) { bestCost = cost; best = c.clone(); }
            }
            for (int i = 0; i < n; i++) {
                if (++c[i] < p.nodes().get(i).cost().length) break;
                c[i] = 0;
            }
        }
        if (best == null) throw InfeasiblePlanException.memory(minMem, p.memoryBudget());
        return new IntraOpSolution(best, bestCost, p.memory(best));
    }
}
