package dev.shard4j.autoshard;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the planning graph of a GPT-2/3 style decoder: token + position embedding, {@code layers} pre-norm blocks
 * (ln_1, fused qkv, attention, proj, residual, ln_2, fc, gelu, proj, residual), final layernorm, LM head and
 * cross-entropy. Op names follow layer paths ("wte", "h.0.attn.qkv", "h.0.mlp.fc", "ln_f", "lm_head", "loss").
 * Pipeline layer units: 0 = embeddings, 1..layers = blocks, layers+1 = head and loss.
 *
 * <p>Index letters: b batch, s sequence, d model dim, h attention width (extent = number of heads, so splitting it
 * splits whole heads), f MLP hidden, v vocabulary.
 */
public final class GptGraphBuilder {
    private final long vocab, seq, dModel, heads, layers, batch;
    private DType dtype = DType.BF16;

    /** A builder for the given model dims and (micro-)batch size. */
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

    /** Sets the activation and parameter dtype (default bf16). */
    public GptGraphBuilder dtype(DType dtype) { this.dtype = dtype; return this; }

    /** Builds the graph. */
    public Graph build() {
        Graph.Builder g = new Graph.Builder();
        long b = batch, s = seq, d = dModel, f = 4 * dModel, v = vocab;
        Map<Character, Long> sizes = new HashMap<>(Map.of('b', b, 's', s, 'd', d, 'h', heads, 'f', f, 'v', v));
        g.tensor(new TensorInfo("tokens", List.of(b, s), DType.I32, false));
        param(g, "wte.weight", v, d);
        param(g, "wpe.weight", s, d);
        act(g, "wte.out", b, s, d);
        g.op(new Op("wte", OpKind.EMBEDDING, 0, List.of("tokens"), List.of("wte.weight", "wpe.weight"), "wte.out",
                List.of("bs", "vd", "sd", "bsd"), sizes, Map.of(), 2.0 * b * s * d));
        String x = "wte.out";
        for (int i = 0; i < layers; i++) {
            String p = "h." + i + ".";
            int layer = i + 1;
            String ln1 = layerNorm(g, sizes, p + "ln_1", layer, x, b, s, d);
            param(g, p + "attn.qkv.weight", d, 3 * d);
            act(g, p + "attn.qkv.out", b, s, 3 * d);
            g.op(new Op(p + "attn.qkv", OpKind.MATMUL, layer, List.of(ln1), List.of(p + "attn.qkv.weight"),
                    p + "attn.qkv.out", List.of("bsd", "dh", "bsh"), sizes, Map.of(), 2.0 * b * s * d * 3 * d));
            act(g, p + "attn.core.out", b, s, d);
            g.op(new Op(p + "attn.core", OpKind.ATTENTION, layer, List.of(p + "attn.qkv.out"), List.of(),
                    p + "attn.core.out", List.of("bsh", "bsh"), sizes,
                    Map.of('s', "attention needs the full key/value sequence"),
                    4.0 * b * s * s * d + 5.0 * b * heads * s * s));
            param(g, p + "attn.proj.weight", d, d);
            act(g, p + "attn.proj.out", b, s, d);
            g.op(new Op(p + "attn.proj", OpKind.MATMUL, layer, List.of(p + "attn.core.out"),
                    List.of(p + "attn.proj.weight"), p + "attn.proj.out", List.of("bsh", "hd", "bsd"), sizes,
                    Map.of(), 2.0 * b * s * d * d));
            act(g, p + "res_1", b, s, d);
            g.op(new Op(p + "res_1", OpKind.ELEMENTWISE, layer, List.of(p + "attn.proj.out", x), List.of(),
                    p + "res_1", List.of("bsd", "bsd", "bsd"), sizes, Map.of(), 1.0 * b * s * d));
            String ln2 = layerNorm(g, sizes, p + "ln_2", layer, p + "res_1", b, s, d);
            param(g, p + "mlp.fc.weight", d, f);
            act(g, p + "mlp.fc.out", b, s, f);
            g.op(new Op(p + "mlp.fc", OpKind.MATMUL, layer, List.of(ln2), List.of(p + "mlp.fc.weight"),
                    p + "mlp.fc.out", List.of("bsd", "df", "bsf"), sizes, Map.of(), 2.0 * b * s * d * f));
            act(g, p + "mlp.gelu.out", b, s, f);
            g.op(new Op(p + "mlp.gelu", OpKind.GELU, layer, List.of(p + "mlp.fc.out"), List.of(), p + "mlp.gelu.out",
                    List.of("bsf", "bsf"), sizes, Map.of(), 8.0 * b * s * f));
            param(g, p + "mlp.proj.weight", f, d);
            act(g, p + "mlp.proj.out", b, s, d);
            g.op(new Op(p + "mlp.proj", OpKind.MATMUL, layer, List.of(p + "mlp.gelu.out"),
                    List.of(p + "mlp.proj.weight"), p + "mlp.proj.out", List.of("bsf", "fd", "bsd"), sizes, Map.of(),
                    2.0 * b * s * f * d));
            act(g, p + "res_2", b, s, d);
            g.op(new Op(p + "res_2", OpKind.ELEMENTWISE, layer, List.of(p + "mlp.proj.out", p + "res_1"), List.of(),
                    p + "res_2", List.of("bsd", "bsd", "bsd"), sizes, Map.of(), 1.0 * b * s * d));
            x = p + "res_2";
        }
        int head = (int) layers + 1;
        String lnf = layerNorm(g, sizes, "ln_f", head, x, b, s, d);
        param(g, "lm_head.weight", d, v);
        act(g, "lm_head.out", b, s, v);
        g.op(new Op("lm_head", OpKind.MATMUL, head, List.of(lnf), List.of("lm_head.weight"), "lm_head.out",
                List.of("bsd", "dv", "bsv"), sizes, Map.of(), 2.0 * b * s * d * v));
        g.tensor(new TensorInfo("loss", List.of(), DType.F32, false));
        g.op(new Op("loss", OpKind.CROSS_ENTROPY, head, List.of("lm_head.out", "tokens"), List.of(), "loss",
                List.of("bsv", "bs", ""), sizes, Map.of(), 5.0 * b * s * v));
        return g.build();
    }

    private String layerNorm(Graph.Builder g, Map<Character, Long> sizes, String name, int layer, String in,
                             long b, long s, long d) {
        param(g, name + ".weight", d);
        param(g, name + ".bias", d);
        act(g, name + ".out", b, s, d);
        g.op(new Op(name, OpKind.LAYERNORM, layer, List.of(in), List.of(name + ".weight", name + ".bias"),
                name + ".out", List.of("bsd", "d", "d", "bsd"), sizes,
                Map.of('d', "layernorm normalizes over d"), 8.0 * b * s * d));
        return name + ".out";
    }

    private void param(Graph.Builder g, String name, long... shape) {
        g.tensor(new TensorInfo(name, toList(shape), dtype, true));
    }

    private void act(Graph.Builder g, String name, long... shape) {
        g.tensor(new TensorInfo(name, toList(shape), dtype, false));
    }

    private static List<Long> toList(long[] a) {
        Long[] boxed = new Long[a.length];
        for (int i = 0; i < a.length; i++) boxed[i] = a[i];
        return List.of(boxed);
    }
}
