package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Exact minimiser of an intra-op problem's objective without the memory constraint, by variable elimination
 * (min-sum dynamic programming over the node graph, eliminating a node of least degree first). Runs in time
 * exponential only in the width of the elimination order, which is small for layer graphs (chains with residual
 * edges). Returns null when an intermediate table would exceed {@code maxTableEntries}, so the caller can fall back
 * to the ILP. Pure and thread-safe.
 */
final class EliminationIntraOpSolver {
    private final long maxTableEntries;

    EliminationIntraOpSolver(long maxTableEntries) { this.maxTableEntries = maxTableEntries; }

    private static final class Factor {
        final int[] vars;
        final double[] table;

        Factor(int[] vars, double[] table) { this.vars = vars; this.table = table; }
    }

    /**
     * A memory-feasible assignment by Lagrangian relaxation: the memory constraint moves into the objective with
     * price mu (cost + mu * memory / budget), each priced problem is solved exactly by elimination, and mu is
     * bisected to the cheapest assignment that fits. {@code lowerBound} is the best dual bound
     * max_mu (priced optimum - mu), so {@code cost - lowerBound} bounds the distance to the ILP optimum.
     */
    record Priced(int[] choice, double cost, double lowerBound) {}

    /** See {@link Priced}; null when an elimination is too wide or nothing fits. */
    Priced solvePriced(IntraOpProblem p, int bisections) {
        double[] state = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}; // best cost, best lower bound
        int[][] best = {null};
        int[] free = solve(p);
        if (free == null) return null;
        // start the price near the problem's own cost scale: a price of its whole cost per budget
        double lo = 0, hi = Math.max(p.cost(free), 1e-12) * 1e-2;
        boolean found = false;
        for (int g = 0; g < 80 && !found; g++) {
            Boolean fits = probe(p, hi, state, best);
            if (fits == null) return null;
            if (fits) found = true;
            else { lo = hi; hi *= 8; }
        }
        if (!found) return null;
        for (int b = 0; b < bisections; b++) {
            double mid = lo == 0 ? hi / 16 : Math.sqrt(lo * hi);
            Boolean fits = probe(p, mid, state, best);
            if (fits == null) return null;
            if (fits) hi = mid; else lo = mid;
        }
        int[] improved = improve(p, best[0]);
        return new Priced(improved, p.cost(improved), state[1]);
    }

    /** Single-node moves that lower the cost and keep memory within budget, until none is left. */
    static int[] improve(IntraOpProblem p, int[] start) {
        int[] c = start.clone();
        double cost = p.cost(c), mem = p.memory(c);
        for (int round = 0; round < 100; round++) {
            boolean moved = false;
            for (int i = 0; i < c.length; i++) {
                double[] memI = p.nodes().get(i).memory();
                int keep = c[i];
                for (int k = 0; k < memI.length; k++) {
                    if (k == keep || mem - memI[keep] + memI[k] > p.memoryBudget()) continue;
                    c[i] = k;
                    double x = p.cost(c);
                    if (x < cost * (1 - 1e-12)) { cost = x; mem = mem - memI[keep] + memI[k]; keep = k; moved = true; }
                    else c[i] = keep;
                }
                c[i] = keep;
            }
            if (!moved) break;
        }
        return c;
    }

    /** Solves with price mu (seconds per budget); updates best cost/choice and the dual bound; null: too wide. */
    private Boolean probe(IntraOpProblem p, double mu, double[] state, int[][] best) {
        int[] c = solve(priced(p, mu / p.memoryBudget()));
        if (c == null) return null;
        double cost = p.cost(c), mem = p.memory(c);
        state[1] = Math.max(state[1], cost + mu * (mem / p.memoryBudget() - 1));
        boolean fits = mem <= p.memoryBudget();
        if (fits && cost < state[0]) { state[0] = cost; best[0] = c; }
        return fits;
    }

    private static IntraOpProblem priced(IntraOpProblem p, double pricePerByte) {
        List<IntraOpProblem.Node> nodes = new ArrayList<>();
        for (IntraOpProblem.Node n : p.nodes()) {
            double[] c = n.cost().clone();
            for (int k = 0; k < c.length; k++) c[k] += pricePerByte * n.memory()[k];
            nodes.add(new IntraOpProblem.Node(n.ops(), n.strategies(), c, n.memory()));
        }
        return new IntraOpProblem(nodes, p.edges(), p.memoryBudget());
    }

    /** The cost-minimal assignment ignoring memory, or null when the elimination is too wide. */
    int[] solve(IntraOpProblem p) {
        int n = p.nodes().size();
        int[] dom = new int[n];
        for (int i = 0; i < n; i++) dom[i] = p.nodes().get(i).cost().length;
        List<Factor> factors = new ArrayList<>();
        for (int i = 0; i < n; i++) factors.add(new Factor(new int[] {i}, p.nodes().get(i).cost().clone()));
        List<Set<Integer>> adj = new ArrayList<>();
        for (int i = 0; i < n; i++) adj.add(new HashSet<>());
        for (IntraOpProblem.Edge e : p.edges()) {
            double[] t = new double[dom[e.u()] * dom[e.v()]];
            for (int a = 0; a < dom[e.u()]; a++) for (int b = 0; b < dom[e.v()]; b++) t[a * dom[e.v()] + b] = e.cost()[a][b];
            factors.add(new Factor(new int[] {e.u(), e.v()}, t));
            adj.get(e.u()).add(e.v());
            adj.get(e.v()).add(e.u());
        }
        boolean[] gone = new boolean[n];
        int[] order = new int[n];
        int[][] scopes = new int[n][];
        int[][] argmin = new int[n][];
        for (int step = 0; step < n; step++) {
            int x = -1;
            long bestSize = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                if (gone[i]) continue;
                long size = dom[i];
                for (int j : adj.get(i)) size *= dom[j];
                if (size < bestSize) { bestSize = size; x = i; }
            }
            if (bestSize > maxTableEntries) return null;
            int[] scope = adj.get(x).stream().mapToInt(Integer::intValue).sorted().toArray();
            List<Factor> touching = new ArrayList<>();
            List<Factor> rest = new ArrayList<>();
            for (Factor f : factors) (contains(f.vars, x) ? touching : rest).add(f);
            long entries = 1;
            for (int v : scope) entries *= dom[v];
            double[] table = new double[(int) entries];
            int[] arg = new int[(int) entries];
            int[] assign = new int[n];
            int nt = touching.size();
            int[] strideX = new int[nt], base = new int[nt];
            for (int t = 0; t < nt; t++) {
                int[] vars = touching.get(t).vars;
                int stride = 1;
                for (int k = vars.length - 1; k >= 0 && vars[k] != x; k--) stride *= dom[vars[k]];
                strideX[t] = stride;
            }
            for (int idx = 0; idx < entries; idx++) {
                int r = idx;
                for (int k = scope.length - 1; k >= 0; k--) { assign[scope[k]] = r % dom[scope[k]]; r /= dom[scope[k]]; }
                assign[x] = 0;
                for (int t = 0; t < nt; t++) base[t] = index(touching.get(t).vars, assign, dom);
                double best = Double.POSITIVE_INFINITY;
                int bestX = 0;
                for (int xv = 0; xv < dom[x]; xv++) {
                    double s = 0;
                    for (int t = 0; t < nt; t++) s += touching.get(t).table[base[t] + xv * strideX[t]];
                    if (s < best) { best = s; bestX = xv; }
                }
                table[idx] = best;
                arg[idx] = bestX;
            }
            rest.add(new Factor(scope, table));
            factors = rest;
            for (int v : scope) {
                adj.get(v).remove(x);
                for (int w : scope) if (w != v) adj.get(v).add(w);
            }
            adj.get(x).clear();
            gone[x] = true;
            order[step] = x;
            scopes[step] = scope;
            argmin[step] = arg;
        }
        int[] choice = new int[n];
        for (int step = n - 1; step >= 0; step--) {
            int[] scope = scopes[step];
            int idx = 0;
            for (int v : scope) idx = idx * dom[v] + choice[v];
            choice[order[step]] = argmin[step][idx];
        }
        return choice;
    }

    private static boolean contains(int[] a, int x) {
        for (int v : a) if (v == x) return true;
        return false;
    }

    private static int index(int[] vars, int[] assign, int[] dom) {
        int idx = 0;
        for (int v : vars) idx = idx * dom[v] + assign[v];
        return idx;
    }
}
