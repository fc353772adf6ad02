package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The planning graph: tensors and operators in topological order (forward pass; backward and optimizer costs are
 * derived per op by the cost model). Built once, then read-only. Ops are named by module path, so the graph traced
 * from the layer classes ({@link dev.shard4j.autoshard.trace.GptTracer}) and {@link GptGraphBuilder} produce the same
 * names ("blocks.0.attn.qkv"). A tensor may be a parameter of several ops (a tied LM head); it is one tensor.
 */
public final class Graph {
    private final Map<String, TensorInfo> tensors;
    private final List<Op> ops;
    private final Map<String, Op> producers = new HashMap<>();
    private final Map<String, Op> parameterOwners = new HashMap<>();
    private final int numLayers;

    private Graph(Map<String, TensorInfo> tensors, List<Op> ops) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.ops = List.copyOf(ops);
        int maxLayer = -1;
        for (Op op : ops) {
            producers.put(op.output(), op);
            for (String p : op.params()) parameterOwners.putIfAbsent(p, op);
            maxLayer = Math.max(maxLayer, op.layer());
        }
        this.numLayers = maxLayer + 1;
    }

    /** All tensors by name. */
    public Map<String, TensorInfo> tensors() { return tensors; }

    /** Tensor by name; throws if absent. */
    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("unknown tensor " + name);
        return t;
    }

    /** Ops in topological order. */
    public List<Op> ops() { return ops; }

    /** The op producing a tensor, or null for graph inputs and parameters. */
    public Op producer(String tensor) { return producers.get(tensor); }

    /**
     * The first op of this graph that uses parameter {@code name}, or null when none does. A parameter shared by
     * several ops (a tied LM head reuses the token embedding) is held once: its memory and gradient synchronisation
     * are its owner's.
     */
    public Op parameterOwner(String name) { return parameterOwners.get(name); }

    /** Number of pipeline layer units (max op layer + 1). */
    public int numLayers() { return numLayers; }

    /** Op by name; throws if absent. */
    public Op op(String name) {
        for (Op op : ops) if (op.name().equals(name)) return op;
        throw new IllegalArgumentException("unknown op " + name);
    }

    /** The sub-graph of ops whose layer lies in [first, last]. Tensors are kept whole. */
    public Graph slice(int first, int last) {
        List<Op> sub = new ArrayList<>();
        for (Op op : ops) if (op.layer() >= first && op.layer() <= last) sub.add(op);
        return new Graph(tensors, sub);
    }

    /** A graph over the same tensors with the given ops (in topological order); used to build representatives. */
    Graph withOps(List<Op> ops) { return new Graph(tensors, ops); }

    /** Total parameter elements. */
    public long parameterCount() {
        long n = 0;
        for (TensorInfo t : tensors.values()) if (t.parameter()) n += t.numel();
        return n;
    }

    /** Mutable builder; checks that every op's tensors exist and are declared before use. */
    public static final class Builder {
        private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        private final List<Op> ops = new ArrayList<>();

        /** Declares a tensor (activation, input or parameter). */
        public Builder tensor(TensorInfo t) {
            if (tensors.putIfAbsent(t.name(), t) != null) throw new IllegalArgumentException("duplicate tensor " + t.name());
            return this;
        }

        /** Adds an op; its labels must match its tensors' ranks. */
        public Builder op(Op op) {
            List<String> all = new ArrayList<>(op.inputs());
            all.addAll(op.params());
            all.add(op.output());
            for (int i = 0; i < all.size(); i++) {
                TensorInfo t = tensors.get(all.get(i));
                if (t == null) throw new IllegalArgumentException("op " + op.name() + ": unknown tensor " + all.get(i));
                String labels = op.indexLabels().get(i);
                if (labels.length() != t.rank()) {
                    throw new IllegalArgumentException("op " + op.name() + ": labels '" + labels + "' for tensor "
                            + t.name() + " of shape " + t.shape());
                }
                for (char c : labels.toCharArray()) {
                    if (!op.indexSizes().containsKey(c)) {
                        throw new IllegalArgumentException("op " + op.name() + ": no size for index '" + c + "'");
                    }
                }
            }
            ops.add(op);
            return this;
        }

        /** Builds the immutable graph. */
        public Graph build() { return new Graph(tensors, ops); }
    }
}
