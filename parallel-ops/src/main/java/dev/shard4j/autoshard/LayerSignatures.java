package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Structural signatures of a graph's pipeline layer units: op kinds, index labels and sizes, unsplittable letters,
 * FLOPs, tensor shapes and dtypes, where each input comes from (a position in the same or an earlier layer, or
 * no producer) and which earlier op owns a shared parameter, but no names. Two layers with equal signatures give identical intra-op problems wherever they sit,
 * so solutions can be shared between them. Built once per graph; immutable and thread-safe afterwards.
 */
final class LayerSignatures {
    private final Graph graph;
    private final String[] signature;
    private final List<List<Op>> opsOfLayer = new ArrayList<>();
    private final Map<String, int[]> position = new HashMap<>(); // op name -> {layer, index in layer}
    private final boolean[] inputsFromPreviousOnly;

    LayerSignatures(Graph g) {
        this.graph = g;
        int n = g.numLayers();
        for (int l = 0; l < n; l++) opsOfLayer.add(new ArrayList<>());
        for (Op op : g.ops()) {
            List<Op> list = opsOfLayer.get(op.layer());
            position.put(op.name(), new int[] {op.layer(), list.size()});
            list.add(op);
        }
        signature = new String[n];
        inputsFromPreviousOnly = new boolean[n];
        for (int l = 0; l < n; l++) {
            StringBuilder sb = new StringBuilder();
            boolean prevOnly = true;
            for (Op op : opsOfLayer.get(l)) {
                sb.append(op.kind()).append(op.indexLabels()).append(new TreeMap<>(op.indexSizes()))
                        .append(new TreeMap<>(op.unshardable()).keySet()).append(op.forwardFlops());
                for (String in : op.inputs()) {
                    tensor(sb, in);
                    Op p = g.producer(in);
                    if (p == null) { sb.append("<in"); continue; }
                    int[] pos = position.get(p.name());
                    sb.append('<').append(pos[0] - l).append(':').append(pos[1]);
                    if (pos[0] != l && pos[0] != l - 1) prevOnly = false;
                }
                for (String p : op.params()) {
                    tensor(sb, p);
                    Op owner = g.parameterOwner(p);
                    if (owner != null && !owner.name().equals(op.name())) {
                        // shared with an earlier op (tied head): whether a slice holds its owner changes the costs
                        int[] pos = position.get(owner.name());
                        sb.append('~').append(pos[0] - l).append(':').append(pos[1]);
                    }
                }
                tensor(sb, op.output());
                sb.append(';');
            }
            signature[l] = sb.toString();
            inputsFromPreviousOnly[l] = prevOnly;
        }
    }

    private void tensor(StringBuilder sb, String name) {
        TensorInfo t = graph.tensor(name);
        sb.append(t.shape()).append(t.dtype()).append(t.parameter() ? 'p' : 'a');
    }

    String of(int layer) { return signature[layer]; }

    /** Signatures of layers first..last joined. */
    String join(int first, int last) {
        StringBuilder sb = new StringBuilder();
        for (int l = first; l <= last; l++) sb.append(signature[l]).append('\n');
        return sb.toString();
    }

    /** Whether layer l reads only tensors of its own layer, of layer l-1, or tensors no op produces. */
    boolean inputsFromPreviousOnly(int l) { return inputsFromPreviousOnly[l]; }

    List<Op> ops(int layer) { return opsOfLayer.get(layer); }

    int layerOf(String op) { return position.get(op)[0]; }

    Graph graph() { return graph; }
}
