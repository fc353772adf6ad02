package dev.shard4j.autoshard;

import java.util.List;
import java.util.Map;

/**
 * One operator of the planning graph, described like an einsum: every dimension of every input, parameter and the
 * output is labelled by an index letter ({@code indexLabels} gives one string per tensor, one letter per dim, in the
 * order inputs, params, output). Letters absent from the output are contracted (reduced) by the op. A mesh axis
 * that shards a letter shards every tensor dim carrying it. {@code indexSizes} gives each letter's extent (which may
 * differ from a dim's size when a dim packs several letters' worth of data, e.g. fused QKV laid out head-major).
 * {@code unshardable} maps letters that may not be split to the reason.
 *
 * @param name    module path, e.g. "blocks.0.attn.qkv"
 * @param layer   index of the pipeline layer unit the op belongs to (the inter-op solver slices on these)
 * @param forwardFlops FLOPs of the forward pass of the unsharded op
 */
public record Op(String name, OpKind kind, int layer, List<String> inputs, List<String> params, String output,
                 List<String> indexLabels, Map<Character, Long> indexSizes, Map<Character, String> unshardable,
                 double forwardFlops) {
    public Op {
        inputs = List.copyOf(inputs);
        params = List.copyOf(params);
        indexLabels = List.copyOf(indexLabels);
        indexSizes = Map.copyOf(indexSizes);
        unshardable = Map.copyOf(unshardable);
        if (indexLabels.size() != inputs.size() + params.size() + 1) {
            throw new IllegalArgumentException("op " + name + ": " + indexLabels.size() + " index labels for "
                    + (inputs.size() + params.size() + 1) + " tensors");
        }
    }

    /** Index letters of the output. */
    public String outputLabels() { return indexLabels.get(indexLabels.size() - 1); }

    /** Index letters of input i. */
    public String inputLabels(int i) { return indexLabels.get(i); }

    /** Index letters of param i. */
    public String paramLabels(int i) { return indexLabels.get(inputs.size() + i); }
}
