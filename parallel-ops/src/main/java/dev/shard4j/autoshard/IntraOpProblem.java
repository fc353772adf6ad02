package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The intra-op sharding problem in solver form (Alpa's auto_sharding): nodes with candidate strategies (node cost
 * and memory per strategy) and edges with resharding cost matrices. Trivial ops (elementwise, GELU, reshape) are
 * merged into the node of the producer of their input produced last and follow its output layout. Built from a graph, or by
 * hand in tests. Immutable after construction.
 */
public final class IntraOpProblem {
    /** A node: its op names (root first), strategy names, cost per strategy (seconds), memory per strategy (bytes). */
    public record Node(List<String> ops, List<Strategy> strategies, double[] cost, double[] memory) {}

    /** An edge between node u and node v (u before v) with cost[su][sv] seconds. */
    public record Edge(int u, int v, double[][] cost) {}

    private final List<Node> nodes;
    private final List<Edge> edges;
    private final double memoryBudget;

    public IntraOpProblem(List<Node> nodes, List<Edge> edges, double memoryBudget) {
        this.nodes = List.copyOf(nodes);
        this.edges = List.copyOf(edges);
        this.memoryBudget = memoryBudget;
    }

    public List<Node> nodes() { return nodes; }

    public List<Edge> edges() { return edges; }

    /** Bytes per device the chosen strategies may use. */
    public double memoryBudget() { return memoryBudget; }

    /** Cost of an assignment (one strategy index per node), ignoring memory. */
    public double cost(int[] choice) {
        double c = 0;
        for (int i = 0; i < nodes.size(); i++) c += nodes.get(i).cost()[choice[i]];
        for (Edge e : edges) c += e.cost()[choice[e.u()]][choice[e.v()]];
        return c;
    }

    /** Memory of an assignment. */
    public double memory(int[] choice) {
        double m = 0;
        for (int i = 0; i < nodes.size(); i++) m += nodes.get(i).memory()[choice[i]];
        return m;
    }

    /**
     * Builds the problem for a graph on a logical mesh. {@code activationCopies} is how many micro-batches' saved
     * activations a device holds at once (pipeline in-flight count).
     */
    public static IntraOpProblem of(Graph g, CostModel cost, AutoShardOptions options, double activationCopies,
                                    double memoryBudget) {
        return of(g, cost, options, activationCopies, memoryBudget, StrategyFilter.ALL);
    }

    /**
     * Like {@link #of(Graph, CostModel, AutoShardOptions, double, double)} with each node offered only the
     * strategies {@code filter} allows; throws {@link InfeasiblePlanException} naming the op when it allows none.
     */
    public static IntraOpProblem of(Graph g, CostModel cost, AutoShardOptions options, double activationCopies,
                                    double memoryBudget, StrategyFilter filter) {
        StrategyGenerator gen = new StrategyGenerator(cost, options);
        Map<String, Integer> rootOf = new HashMap<>();
        Map<Integer, List<Op>> members = new LinkedHashMap<>();
        List<Op> roots = new ArrayList<>();
        Map<String, Integer> order = new HashMap<>();
        for (Op op : g.ops()) order.put(op.name(), order.size());
        for (Op op : g.ops()) {
            Op p = op.kind().trivial ? latestProducer(g, op, order) : null;
            if (p != null && rootOf.containsKey(p.name())) {
                int r = rootOf.get(p.name());
                rootOf.put(op.name(), r);
                members.get(r).add(op);
            } else {
                rootOf.put(op.name(), roots.size());
                members.put(roots.size(), new ArrayList<>(List.of(op)));
                roots.add(op);
            }
        }
        List<Node> nodes = new ArrayList<>();
        for (int r = 0; r < roots.size(); r++) {
            Op root = roots.get(r);
            List<Strategy> ss = new ArrayList<>();
            for (Strategy st : gen.strategies(g, root)) if (filter.allows(root, st)) ss.add(st);
            if (ss.isEmpty()) {
                throw new InfeasiblePlanException("op " + root.name() + " has no allowed strategy on mesh " + cost.mesh());
            }
            double[] c = new double[ss.size()];
            double[] m = new double[ss.size()];
            List<String> names = new ArrayList<>();
            for (Op op : members.get(r)) names.add(op.name());
            for (int s = 0; s < ss.size(); s++) {
                Strategy st = ss.get(s);
                c[s] = st.timePerMicroBatch(options.microBatches());
                m[s] = st.paramMemory() + activationCopies * st.activationMemory();
                for (Op f : members.get(r).subList(1, members.get(r).size())) {
                    TensorInfo out = g.tensor(f.output());
                    double local = gen.localBytes(out, st.outputSpec());
                    c[s] += cost.compute(f.forwardFlops() * (1 + f.kind().backwardFactor) * local / out.bytes(),
                            f.kind().opClass);
                    m[s] += activationCopies * local;
                }
            }
            nodes.add(new Node(names, ss, c, m));
        }
        Map<Long, double[][]> edgeMap = new LinkedHashMap<>();
        for (Op op : g.ops()) {
            int v = rootOf.get(op.name());
            for (int i = 0; i < op.inputs().size(); i++) {
                Op p = g.producer(op.inputs().get(i));
                if (p == null || !rootOf.containsKey(p.name())) continue;
                int u = rootOf.get(p.name());
                if (u == v) continue;
                TensorInfo t = g.tensor(op.inputs().get(i));
                Node nu = nodes.get(u), nv = nodes.get(v);
                boolean follower = op != roots.get(v);
                double[][] mat = edgeMap.computeIfAbsent(((long) u << 32) | v,
                        k -> new double[nu.strategies().size()][nv.strategies().size()]);
                for (int a = 0; a < nu.strategies().size(); a++) {
                    for (int b = 0; b < nv.strategies().size(); b++) {
                        ShardingSpec to = follower ? nv.strategies().get(b).outputSpec()
                                : nv.strategies().get(b).inputSpecs().get(i);
                        mat[a][b] += reshardCost(cost, t, nu.strategies().get(a).outputSpec(), to);
                    }
                }
            }
        }
        List<Edge> edges = new ArrayList<>();
        for (Map.Entry<Long, double[][]> e : edgeMap.entrySet()) {
            edges.add(new Edge((int) (e.getKey() >>> 32), (int) (e.getKey() & 0xffffffffL), e.getValue()));
        }
        return new IntraOpProblem(nodes, edges, memoryBudget);
    }

    /**
     * The producer of the input of {@code op} produced last, or null when no input has a producer in {@code g}: a
     * trivial op follows the nearest op it reads (a residual addition follows its branch, not the stream it adds
     * to, whichever operand comes first).
     */
    private static Op latestProducer(Graph g, Op op, Map<String, Integer> order) {
        Op best = null;
        for (String in : op.inputs()) {
            Op p = g.producer(in);
            if (p != null && order.containsKey(p.name())
                    && (best == null || order.get(p.name()) > order.get(best.name()))) best = p;
        }
        return best;
    }

    /**
     * Seconds to redistribute tensor t from one spec to another, axis by axis (forward direction): S->R all-gather,
     * S(i)->S(j) all-to-all, P->R all-reduce, P->S reduce-scatter, R->anything free (local slice).
     */
    public static double reshardCost(CostModel cost, TensorInfo t, ShardingSpec from, ShardingSpec to) {
        double total = 0;
        for (int a = 0; a < from.placements().size(); a++) {
            ShardingSpec.Placement f = from.on(a), x = to.on(a);
            if (f.equals(x) || f.kind() == 'R') continue;
            double bytes = t.bytes();
            int other = 1 - a;
            if (other < from.placements().size() && from.on(other).isShard()) bytes /= cost.mesh().size(other);
            if (f.isShard() && x.kind() == 'R') total += cost.allGather(bytes, a);
            else if (f.isShard() && x.isShard()) total += cost.allToAll(bytes, a);
            else if (f.kind() == 'P' && x.kind() == 'R') total += cost.allReduce(bytes, a);
            else if (f.kind() == 'P' && x.isShard()) total += cost.reduceScatter(bytes, a);
        }
        return total;
    }
}
