package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.List;

/**
 * Enumerates every valid strategy of an op on a logical mesh: each mesh axis of size > 1 splits one index letter
 * of the op or none (both axes may split the same letter), optionally with ZeRO parameter sharding. Data parallel
 * = split 'b', Megatron column = split the output feature letter, row = split the contracted letter, sequence
 * parallel = split 's'. Splits that do not divide evenly, or letters the op cannot split, are excluded with a
 * reason. Pure.
 */
public final class StrategyGenerator {
    private final CostModel cost;
    private final AutoShardOptions options;

    public StrategyGenerator(CostModel cost, AutoShardOptions options) {
        this.cost = cost;
        this.options = options;
    }

    /** An excluded candidate and why. */
    public record Exclusion(String strategy, String reason) {}

    /** Strategies of an op and the excluded candidates. */
    public record Result(List<Strategy> strategies, List<Exclusion> excluded) {}

    /** Valid strategies of op in graph g (never empty: "--" is always valid). */
    public List<Strategy> strategies(Graph g, Op op) { return generate(g, op).strategies(); }

    /** Valid strategies plus exclusions with reasons. */
    public Result generate(Graph g, Op op) {
        MeshShape mesh = cost.mesh();
        List<Character> letters = new ArrayList<>();
        for (String l : op.indexLabels()) for (char c : l.toCharArray()) if (!letters.contains(c)) letters.add(c);
        List<Character> c0 = choices(letters, mesh.n0());
        List<Character> c1 = choices(letters, mesh.n1());
        List<Strategy> out = new ArrayList<>();
        List<Exclusion> excluded = new ArrayList<>();
        for (char a0 : c0) {
            for (char a1 : c1) {
                String assign = "" + a0 + a1;
                String why = invalid(g, op, assign);
                if (why != null) { excluded.add(new Exclusion(assign, why)); continue; }
                out.add(build(g, op, assign, false));
                if (options.allowZero() && !op.params().isEmpty() && hasDataAxis(op, assign)) {
                    out.add(build(g, op, assign, true));
                }
            }
        }
        return new Result(out, excluded);
    }

    private static List<Character> choices(List<Character> letters, int size) {
        List<Character> c = new ArrayList<>();
        c.add('-');
        if (size > 1) c.addAll(letters);
        return c;
    }

    private String invalid(Graph g, Op op, String assign) {
        for (int a = 0; a < 2; a++) {
            char c = assign.charAt(a);
            if (c == '-') continue;
            String reason = op.unshardable().get(c);
            if (reason != null) return "cannot split '" + c + "': " + reason;
            long ways = 1;
            for (int b = 0; b < 2; b++) if (assign.charAt(b) == c) ways *= cost.mesh().size(b);
            long extent = op.indexSizes().get(c);
            if (extent % ways != 0) return "'" + c + "' of size " + extent + " is not divisible by " + ways;
            List<String> names = tensorNames(op);
            for (int t = 0; t < names.size(); t++) {
                TensorInfo ti = g.tensor(names.get(t));
                String labels = op.indexLabels().get(t);
                int dim = labels.indexOf(c);
                if (dim >= 0 && ti.shape().get(dim) % ways != 0) {
                    return "dim " + dim + " of " + ti.name() + " " + ti.shape() + " is not divisible by " + ways;
                }
            }
        }
        return null;
    }

    private static boolean hasDataAxis(Op op, String assign) {
        for (int a = 0; a < 2; a++) {
            char c = assign.charAt(a);
            if (c == '-') continue;
            boolean inParam = false;
            for (int p = 0; p < op.params().size(); p++) inParam |= op.paramLabels(p).indexOf(c) >= 0;
            if (!inParam) return true;
        }
        return false;
    }

    private static List<String> tensorNames(Op op) {
        List<String> names = new ArrayList<>(op.inputs());
        names.addAll(op.params());
        names.add(op.output());
        return names;
    }

    /** The spec of a tensor with the given labels: S(dim) on every axis whose letter it carries, else R. */
    static ShardingSpec specFor(String labels, String assign) {
        List<ShardingSpec.Placement> p = new ArrayList<>();
        for (int a = 0; a < assign.length(); a++) {
            int dim = assign.charAt(a) == '-' ? -1 : labels.indexOf(assign.charAt(a));
            p.add(dim >= 0 ? ShardingSpec.Placement.shard(dim) : ShardingSpec.Placement.R);
        }
        return new ShardingSpec(p);
    }

    /** Bytes of one device's piece of a tensor under a spec. */
    double localBytes(TensorInfo t, ShardingSpec spec) {
        return localBytes(t, spec, cost.mesh());
    }

    /** Bytes of one device's piece of a tensor under a spec on a given mesh. */
    static double localBytes(TensorInfo t, ShardingSpec spec, MeshShape mesh) {
        double b = t.bytes();
        for (int a = 0; a < spec.placements().size(); a++) if (spec.on(a).isShard()) b /= mesh.size(a);
        return b;
    }

    private Strategy build(Graph g, Op op, String assign, boolean zero) {
        MeshShape mesh = cost.mesh();
        double shards = 1;
        for (int a = 0; a < 2; a++) if (assign.charAt(a) != '-') shards *= mesh.size(a);
        double compute = cost.opSeconds(op.kind(), op.forwardFlops() * (1 + op.kind().backwardFactor) / shards,
                LocalGemm.minDim(g, op, assign, mesh));

        List<ShardingSpec> inSpecs = new ArrayList<>();
        for (int i = 0; i < op.inputs().size(); i++) inSpecs.add(specFor(op.inputLabels(i), assign));
        List<ShardingSpec> pSpecs = new ArrayList<>();
        for (int i = 0; i < op.params().size(); i++) pSpecs.add(specFor(op.paramLabels(i), assign));
        ShardingSpec outSpec = specFor(op.outputLabels(), assign);
        TensorInfo outT = g.tensor(op.output());

        double comm = 0;
        for (int a = 0; a < 2; a++) {
            char c = assign.charAt(a);
            if (c == '-') continue;
            // (1) contracted letter: partial output, all-reduced by the op (row parallel); output stays R on axis a
            if (op.outputLabels().indexOf(c) < 0) comm += cost.allReduce(localBytes(outT, outSpec), a);
            // (2) input replicated on a split axis: its gradient is partial, all-reduced in backward (column parallel)
            for (int i = 0; i < op.inputs().size(); i++) {
                TensorInfo in = g.tensor(op.inputs().get(i));
                if (in.dtype() == DType.I32) continue; // token ids carry no gradient
                if (op.inputLabels(i).indexOf(c) < 0) comm += cost.allReduce(localBytes(in, inSpecs.get(i)), a);
            }
        }
        double gradSync = 0, update = 0, paramMemory = 0;
        for (int p = 0; p < op.params().size(); p++) {
            TensorInfo pt = g.tensor(op.params().get(p));
            // a parameter shared with an earlier op of the graph (tied LM head) is held and synchronised once, by
            // its owner (Graph.parameterOwner); this op only gathers it under ZeRO
            Op owner = g.parameterOwner(pt.name());
            boolean owns = owner == null || owner.name().equals(op.name());
            double local = localBytes(pt, pSpecs.get(p));
            double stateShards = 1;
            for (int a = 0; a < 2; a++) {
                char c = assign.charAt(a);
                if (c == '-' || op.paramLabels(p).indexOf(c) >= 0) continue;
                // a letter the op contracts leaves a partial output that the op reduces before a bias is added, so
                // the bias sees the reduced gradient, equal on every device of the axis: nothing to synchronise
                if (op.outputLabels().indexOf(c) < 0) continue;
                // (3) parameter replicated over a data-parallel axis: gradient all-reduce, or ZeRO reduce-scatter
                //     plus weight all-gathers in forward and backward
                if (zero) {
                    if (owns) gradSync += cost.gradientReduceScatter(local, a);
                    comm += 2 * cost.allGather(local, a);
                    stateShards *= mesh.size(a);
                } else if (owns) {
                    gradSync += cost.gradientAllReduce(local, a);
                }
            }
            if (owns) {
                double elements = pt.numel() / (double) (pt.bytes() / local) / stateShards;
                paramMemory += elements * options.stateBytesPerParam();
                update += cost.optimizerUpdate(elements);
            }
        }
        double activation = localBytes(outT, outSpec);
        for (int i = 0; i < op.inputs().size(); i++) {
            if (g.producer(op.inputs().get(i)) == null) activation += localBytes(g.tensor(op.inputs().get(i)), inSpecs.get(i));
        }
        String name = assign + (zero ? "+zero" : "");
        return new Strategy(name, assign, zero, inSpecs, outSpec, pSpecs, compute, comm, gradSync, update, paramMemory,
                activation);
    }
}
