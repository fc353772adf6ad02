package dev.shard4j.autoshard;

import dev.shard4j.layers.GptConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the planning graph of a {@link dev.shard4j.layers.Gpt} from its dimensions, op for op and tensor for tensor
 * the graph that {@link dev.shard4j.autoshard.trace.GptTracer} traces from the layer classes (a test keeps them
 * equal), for models too big to build in memory (GPT-3 39B holds 156 GB of fp32 parameters). Where a model can be
 * built, plan the traced graph.
 *
 * <p>What the layers build: token embedding {@code wte} and position embedding {@code wpe} (both EMBEDDING, one
 * table each) summed by {@code embed}; per block {@code blocks.N.ln1}, the packed {@code blocks.N.attn.qkv}, the
 * attention core {@code blocks.N.attn.core}, {@code blocks.N.attn.proj}, the residual {@code blocks.N.res1},
 * {@code blocks.N.ln2}, {@code blocks.N.mlp.fc}, {@code blocks.N.mlp.gelu}, {@code blocks.N.mlp.proj} and
 * {@code blocks.N.res2}, every linear with a bias and its weight stored (out, in); then {@code ln_f}, the LM head
 * {@code lm_head} (reusing {@code wte.weight} when tied, the default, else its own {@code lm_head.weight}) and the
 * mean cross-entropy {@code loss} over the {@code targets}. Activations are sequence-major (T, B, features);
 * residual additions read (x, branch) in that order. Pipeline layer units: 0 = embeddings, 1..layers = blocks,
 * layers+1 = final norm, head and loss.
 *
 * <p>Index letters: s sequence, b batch, d model dim, h attention width (extent = number of heads, so splitting it
 * splits whole heads), f MLP hidden, v vocabulary; position-table rows are s. FLOPs as in the tracer.
 */
public final class GptGraphBuilder {
    private final long vocab, seq, dModel, heads, layers, batch;
    private DType dtype = DType.BF16;
    private boolean tiedLmHead = true;

    /** A builder for the given model dims and (micro-)batch size, with a tied LM head. */
    public GptGraphBuilder(long vocab, long seq, long dModel, long heads, long layers, long batch) {
        if (vocab <= 0 || seq <= 0 || dModel <= 0 || heads <= 0 || layers <= 0 || batch <= 0) {
            throw new IllegalArgumentException("gpt: all sizes must be positive: vocab=" + vocab + " seq=" + seq
                    + " dModel=" + dModel + " heads=" + heads + " layers=" + layers + " batch=" + batch);
        }
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("gpt: dModel " + dModel + " is not divisible by heads " + heads);
        }
        this.vocab = vocab; this.seq = seq; this.dModel = dModel; this.heads = heads; this.layers = layers;
        this.batch = batch;
    }

    /** A builder for the model {@code config} describes (tied or untied head), fp32 as trained. */
    public static GptGraphBuilder of(GptConfig config, long batch) {
        return new GptGraphBuilder(config.vocab(), config.seq(), config.dModel(), config.heads(), config.layers(),
                batch).tiedLmHead(config.tiedLmHead()).dtype(DType.F32);
    }

    /** Sets the activation and parameter dtype (default bf16). */
    public GptGraphBuilder dtype(DType dtype) { this.dtype = dtype; return this; }

    /** Whether the LM head reuses the token embedding (default true, as {@code GptConfig.of}). */
    public GptGraphBuilder tiedLmHead(boolean tied) { this.tiedLmHead = tied; return this; }

    /** Builds the graph. */
    public Graph build() {
        Emitter e = new Emitter();
        long b = batch, s = seq, d = dModel, f = 4 * dModel, v = vocab, rows = s * b;
        e.sizes.putAll(Map.of('b', b, 's', s, 'd', d, 'h', heads, 'f', f, 'v', v));
        e.shape("tokens", DType.I32, false, s, b);
        e.shape("positions", DType.I32, false, s, b);
        e.shape("targets", DType.I32, false, s, b);
        e.shape("wte.weight", dtype, true, v, d);
        e.shape("wpe.weight", dtype, true, s, d);
        e.op("wte", OpKind.EMBEDDING, 0, List.of("tokens"), List.of("wte.weight"), List.of("sb", "vd", "sbd"),
                Map.of(), s * b * d, s, b, d);
        e.op("wpe", OpKind.EMBEDDING, 0, List.of("positions"), List.of("wpe.weight"), List.of("sb", "sd", "sbd"),
                Map.of(), s * b * d, s, b, d);
        e.op("embed", OpKind.ELEMENTWISE, 0, List.of("wte.out", "wpe.out"), List.of(),
                List.of("sbd", "sbd", "sbd"), Map.of(), s * b * d, s, b, d);
        String x = "embed.out";
        for (int i = 0; i < layers; i++) {
            String p = "blocks." + i + ".";
            int layer = i + 1;
            String ln1 = layerNorm(e, p + "ln1", layer, x, rows * d);
            linear(e, p + "attn.qkv", layer, ln1, 'd', 'h', d, 3 * d);
            long bh = b * heads, hd = d / heads;
            e.op(p + "attn.core", OpKind.ATTENTION, layer, List.of(p + "attn.qkv.out"), List.of(),
                    List.of("sbh", "sbh"), Map.of('s', "attention needs the full key/value sequence"),
                    4.0 * bh * s * s * hd + 5.0 * bh * s * s, s, b, d);
            linear(e, p + "attn.proj", layer, p + "attn.core.out", 'h', 'd', d, d);
            e.op(p + "res1", OpKind.ELEMENTWISE, layer, List.of(x, p + "attn.proj.out"), List.of(),
                    List.of("sbd", "sbd", "sbd"), Map.of(), rows * d, s, b, d);
            String ln2 = layerNorm(e, p + "ln2", layer, p + "res1.out", rows * d);
            linear(e, p + "mlp.fc", layer, ln2, 'd', 'f', d, f);
            e.op(p + "mlp.gelu", OpKind.GELU, layer, List.of(p + "mlp.fc.out"), List.of(), List.of("sbf", "sbf"),
                    Map.of(), 8.0 * (rows * f), s, b, f);
            linear(e, p + "mlp.proj", layer, p + "mlp.gelu.out", 'f', 'd', f, d);
            e.op(p + "res2", OpKind.ELEMENTWISE, layer, List.of(p + "res1.out", p + "mlp.proj.out"), List.of(),
                    List.of("sbd", "sbd", "sbd"), Map.of(), rows * d, s, b, d);
            x = p + "res2.out";
        }
        int head = (int) layers + 1;
        String lnf = layerNorm(e, "ln_f", head, x, rows * d);
        String headWeight = tiedLmHead ? "wte.weight" : "lm_head.weight";
        e.shape(headWeight, dtype, true, v, d);
        e.op("lm_head", OpKind.MATMUL, head, List.of(lnf), List.of(headWeight), List.of("sbd", "vd", "sbv"),
                Map.of(), 2.0 * rows * d * v, s, b, v);
        e.op("loss", OpKind.CROSS_ENTROPY, head, List.of("lm_head.out", "targets"), List.of(),
                List.of("sbv", "sb", ""), Map.of(), 5.0 * (rows * v));
        return e.build();
    }

    private String layerNorm(Emitter e, String name, int layer, String in, double elements) {
        e.shape(name + ".weight", dtype, true, dModel);
        e.shape(name + ".bias", dtype, true, dModel);
        e.op(name, OpKind.LAYERNORM, layer, List.of(in), List.of(name + ".weight", name + ".bias"),
                List.of("sbd", "d", "d", "sbd"), Map.of('d', "layernorm normalizes over d"), 8.0 * elements,
                seq, batch, dModel);
        return name + ".out";
    }

    /** A linear with bias: weight (out, in), bias (out); FLOPs 2 rows in out + rows out. */
    private void linear(Emitter e, String name, int layer, String in, char inLetter, char outLetter, long inDim,
                        long outDim) {
        long rows = seq * batch;
        e.shape(name + ".weight", dtype, true, outDim, inDim);
        e.shape(name + ".bias", dtype, true, outDim);
        e.op(name, OpKind.MATMUL, layer, List.of(in), List.of(name + ".weight", name + ".bias"),
                List.of("sb" + inLetter, "" + outLetter + inLetter, "" + outLetter, "sb" + outLetter), Map.of(),
                2.0 * rows * inDim * outDim + rows * outDim, seq, batch, outDim);
    }

    /** Collects tensors and ops, declaring each tensor where an op first mentions it, as the tracer does. */
    private final class Emitter {
        final Map<Character, Long> sizes = new HashMap<>();
        final Map<String, TensorInfo> known = new HashMap<>();
        final Map<String, Boolean> declared = new LinkedHashMap<>();
        final Graph.Builder g = new Graph.Builder();

        void shape(String name, DType type, boolean parameter, long... dims) {
            known.put(name, new TensorInfo(name, toList(dims), type, parameter));
        }

        /** An op; its output {@code name.out} has shape {@code outDims} in the builder's dtype (a scalar if none). */
        void op(String name, OpKind kind, int layer, List<String> inputs, List<String> params, List<String> labels,
                Map<Character, String> unshardable, double flops, long... outDims) {
            String out = name + ".out";
            if (!known.containsKey(out)) {
                known.put(out, outDims.length == 0 ? new TensorInfo(out, List.of(), DType.F32, false)
                        : new TensorInfo(out, toList(outDims), dtype, false));
            }
            List<String> all = new ArrayList<>(inputs);
            all.addAll(params);
            all.add(out);
            for (String t : all) {
                if (declared.put(t, Boolean.TRUE) == null) g.tensor(known.get(t));
            }
            g.op(new Op(name, kind, layer, inputs, params, out, labels, sizes, unshardable, flops));
        }

        Graph build() { return g.build(); }
    }

    private static List<Long> toList(long[] a) {
        Long[] boxed = new Long[a.length];
        for (int i = 0; i < a.length; i++) boxed[i] = a[i];
        return List.of(boxed);
    }
}
