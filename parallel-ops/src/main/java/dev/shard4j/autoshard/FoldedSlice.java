package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The intra-op problem of a layer slice with a run of k >= 3 structurally identical layers r0..r1, folded to one
 * template layer: a representative graph holds the prefix layers up to r0, the layers r0 and r0+1, and the suffix
 * layers (reading r0+1's outputs in place of r1's). Its problem is folded so that r0's nodes stand for every run
 * layer: their node costs and memories and the edges inside r0 count k times, the edges r0 -> r0+1 (one run layer
 * to the next) k-1 times, and the edges r0+1 -> suffix once. Every run layer then gets the template's assignment.
 * The folded objective equals the full slice's objective of that repeated assignment exactly, so a folded optimum
 * is the optimum among assignments shared by all run layers (an upper bound on the unrestricted optimum, equal to
 * it whenever the optimal per-layer choices coincide). Slices without such a run are left unfolded. Immutable.
 */
final class FoldedSlice {
    private final LayerSignatures sigs;
    private final int first, last, r0, r1;
    private final Graph representative;
    private final String key;

    private FoldedSlice(LayerSignatures sigs, int first, int last, int r0, int r1, Graph representative, String key) {
        this.sigs = sigs;
        this.first = first;
        this.last = last;
        this.r0 = r0;
        this.r1 = r1;
        this.representative = representative;
        this.key = key;
    }

    /** The slice first..last, folded when it contains a foldable run and {@code fold} is true. */
    static FoldedSlice of(LayerSignatures sigs, int first, int last, boolean fold) {
        Graph g = sigs.graph();
        if (fold) {
            // longest run of equal signatures starting after the first layer, so that every run layer's
            // predecessor lies inside the slice
            int bestStart = -1, bestLen = 0;
            for (int s = first + 1; s <= last; ) {
                int e = s;
                while (e + 1 <= last && sigs.of(e + 1).equals(sigs.of(s)) && sigs.inputsFromPreviousOnly(e + 1)) e++;
                if (e - s + 1 > bestLen && sigs.inputsFromPreviousOnly(s)) { bestLen = e - s + 1; bestStart = s; }
                s = e + 1;
            }
            if (bestLen >= 3) {
                Graph rep = representative(sigs, first, last, bestStart, bestStart + bestLen - 1);
                if (rep != null) {
                    String key = sigs.join(first, bestStart + 1) + "x" + bestLen + "\n" + sigs.join(bestStart + bestLen, last);
                    return new FoldedSlice(sigs, first, last, bestStart, bestStart + bestLen - 1, rep, key);
                }
            }
        }
        return new FoldedSlice(sigs, first, last, -1, -1, g.slice(first, last), sigs.join(first, last));
    }

    private static Graph representative(LayerSignatures sigs, int first, int last, int r0, int r1) {
        Map<String, String> rename = new HashMap<>();
        List<Op> lastRun = sigs.ops(r1), second = sigs.ops(r0 + 1);
        for (int i = 0; i < lastRun.size(); i++) rename.put(lastRun.get(i).output(), second.get(i).output());
        List<Op> ops = new ArrayList<>();
        for (int l = first; l <= r0 + 1; l++) ops.addAll(sigs.ops(l));
        for (int l = r1 + 1; l <= last; l++) {
            for (Op op : sigs.ops(l)) {
                List<String> inputs = new ArrayList<>();
                for (String in : op.inputs()) {
                    Op p = sigs.graph().producer(in);
                    if (p != null && p.layer() >= r0 && p.layer() < r1) return null; // reads inside the run
                    inputs.add(rename.getOrDefault(in, in));
                }
                ops.add(new Op(op.name(), op.kind(), op.layer(), inputs, op.params(), op.output(), op.indexLabels(),
                        op.indexSizes(), op.unshardable(), op.forwardFlops()));
            }
        }
        return sigs.graph().withOps(ops);
    }

    /** Structural key: equal keys give equal (folded) problems on the same mesh, budget and options. */
    String key() { return key; }

    /** Length of the folded run, or 1 when the slice is not folded. */
    int runLength() { return r0 < 0 ? 1 : r1 - r0 + 1; }

    /** The problem to solve: folded when there is a run, else the slice's own. */
    IntraOpProblem problem(CostModel cm, AutoShardOptions o, double activationCopies, double budget) {
        return problem(cm, o, activationCopies, budget, StrategyFilter.ALL);
    }

    /** Like {@link #problem(CostModel, AutoShardOptions, double, double)} with the strategies {@code filter} allows. */
    IntraOpProblem problem(CostModel cm, AutoShardOptions o, double activationCopies, double budget,
                           StrategyFilter filter) {
        IntraOpProblem p = IntraOpProblem.of(representative, cm, o, activationCopies, budget, filter);
        if (r0 < 0) return p;
        int k = r1 - r0 + 1;
        int n = p.nodes().size();
        int[] layer = new int[n];
        List<Integer> inR0 = new ArrayList<>(), inR1 = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            layer[i] = sigs.layerOf(p.nodes().get(i).ops().get(0));
            for (String op : p.nodes().get(i).ops()) {
                if (sigs.layerOf(op) != layer[i]) throw new IllegalStateException("node spans layers: " + p.nodes().get(i).ops());
            }
            if (layer[i] == r0) inR0.add(i);
            if (layer[i] == r0 + 1) inR1.add(i);
        }
        if (inR0.size() != inR1.size()) throw new IllegalStateException("run layers differ in node count");
        int[] to = new int[n];
        List<IntraOpProblem.Node> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (layer[i] == r0 + 1) continue;
            to[i] = nodes.size();
            IntraOpProblem.Node node = p.nodes().get(i);
            double w = layer[i] == r0 ? k : 1;
            nodes.add(new IntraOpProblem.Node(node.ops(), node.strategies(), scale(node.cost(), w), scale(node.memory(), w)));
        }
        for (int j = 0; j < inR1.size(); j++) to[inR1.get(j)] = to[inR0.get(j)];
        Map<Long, double[][]> edges = new LinkedHashMap<>();
        for (IntraOpProblem.Edge e : p.edges()) {
            int lu = layer[e.u()], lv = layer[e.v()];
            double w;
            if (lu == r0 + 1 && lv == r0 + 1) continue;
            else if (lu == r0 && lv == r0) w = k;
            else if (lu == r0 && lv == r0 + 1) w = k - 1;
            else if (lv == r0 + 1 || (lu == r0 && lv > r0 + 1)) throw new IllegalStateException("edge across the run");
            else w = 1;
            int u = to[e.u()], v = to[e.v()];
            if (u == v) {
                // a layer-to-layer edge between copies of the same template node: both ends take the same
                // strategy, so only the diagonal counts, as node cost
                double[] c = nodes.get(u).cost();
                for (int a = 0; a < c.length; a++) c[a] += w * e.cost()[a][a];
                continue;
            }
            double[][] m = edges.computeIfAbsent(((long) u << 32) | v, x -> new double[e.cost().length][e.cost()[0].length]);
            for (int a = 0; a < m.length; a++) for (int b = 0; b < m[a].length; b++) m[a][b] += w * e.cost()[a][b];
        }
        List<IntraOpProblem.Edge> out = new ArrayList<>();
        for (Map.Entry<Long, double[][]> e : edges.entrySet()) {
            out.add(new IntraOpProblem.Edge((int) (e.getKey() >>> 32), (int) (e.getKey() & 0xffffffffL), e.getValue()));
        }
        return new IntraOpProblem(nodes, out, budget);
    }

    /**
     * The assignment of the full slice's problem {@code full} (built from {@code graph.slice(first, last)}) that
     * repeats the folded solution {@code choice} on every run layer.
     */
    int[] expand(IntraOpProblem folded, int[] choice, IntraOpProblem full) {
        // folded and full problems list nodes in the same order: prefix, (template | run layers), suffix; the
        // folded problem may come from another slice with the same key, so nodes are matched by position
        int[] out = new int[full.nodes().size()];
        int prefix = 0, template = 0;
        for (IntraOpProblem.Node n : full.nodes()) {
            int l = sigs.layerOf(n.ops().get(0));
            if (r0 < 0 || l < r0) prefix++;
            else if (l == r0) template++;
        }
        int expected = r0 < 0 ? out.length : out.length - (r1 - r0) * template;
        if (folded.nodes().size() != expected) {
            throw new IllegalStateException("folded problem has " + folded.nodes().size() + " nodes, slice expects " + expected);
        }
        int f = 0, runPos = 0;
        for (int i = 0; i < out.length; i++) {
            int l = sigs.layerOf(full.nodes().get(i).ops().get(0));
            if (r0 >= 0 && l > r0 && l <= r1) {
                out[i] = choice[prefix + runPos++ % template];
                continue;
            }
            out[i] = choice[f++];
        }
        return out;
    }

    int first() { return first; }

    int last() { return last; }

    private static double[] scale(double[] x, double w) {
        double[] y = x.clone();
        for (int i = 0; i < y.length; i++) y[i] *= w;
        return y;
    }
}
