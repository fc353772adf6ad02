package dev.shard4j.autoshard;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the planning graph of a GShard-style mixture-of-experts decoder: GPT embeddings and attention, and in
 * every block a top-2 routed expert FFN in place of the dense MLP (ln_2, router, dispatch, expert fc, gelu, expert
 * proj, combine, residual). Experts are the index letter 'e': the dispatched tokens are laid out
 * [experts, groups, capacity, d] (one group per sequence, capacity 2 s / experts per group and expert), so a mesh
 * axis that splits the group letter 'b' in the dispatch and 'e' in the expert matmuls reshards with an all-to-all,
 * GShard's expert parallelism. A description written by hand (no MoE layer classes exist to trace): op names are
 * layer paths ("h.3.moe.expert_fc"), activations batch-major, one embedding op with both tables; layer units as in
 * {@link GptGraphBuilder}.
 */
public final class MoeGraphBuilder {
    private final long vocab, seq, dModel, heads, layers, batch, experts, ffn;

    /** A builder; {@code experts} must divide 2 * seq (the per-expert capacity of a sequence). */
    public MoeGraphBuilder(long vocab, long seq, long dModel, long heads, long layers, long batch, long experts, long ffn) {
        if (vocab <= 0 || seq <= 0 || dModel <= 0 || heads <= 0 || layers <= 0 || batch <= 0 || experts <= 0 || ffn <= 0) {
            throw new IllegalArgumentException("moe: all sizes must be positive: vocab=" + vocab + " seq=" + seq
                    + " dModel=" + dModel + " heads=" + heads + " layers=" + layers + " batch=" + batch
                    + " experts=" + experts + " ffn=" + ffn);
        }
        if (dModel % heads != 0) throw new IllegalArgumentException("moe: dModel " + dModel + " is not divisible by heads " + heads);
        if ((2 * seq) % experts != 0) {
            throw new IllegalArgumentException("moe: experts " + experts + " do not divide 2 * seq = " + 2 * seq);
        }
        this.vocab = vocab; this.seq = seq; this.dModel = dModel; this.heads = heads; this.layers = layers;
        this.batch = batch; this.experts = experts; this.ffn = ffn;
    }

    /** Builds the graph (bf16). */
    public Graph build() {
        Graph.Builder g = new Graph.Builder();
        long b = batch, s = seq, d = dModel, f = ffn, v = vocab, e = experts, c = 2 * seq / experts;
        Map<Character, Long> sizes = new HashMap<>(Map.of('b', b, 's', s, 'd', d, 'h', heads, 'f', f, 'v', v,
                'e', e, 'c', c));
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
            param(g, p + "moe.router.weight", d, e);
            act(g, p + "moe.router.out", b, s, e);
            g.op(new Op(p + "moe.router", OpKind.MATMUL, layer, List.of(ln2), List.of(p + "moe.router.weight"),
                    p + "moe.router.out", List.of("bsd", "de", "bse"), sizes, Map.of(), 2.0 * b * s * d * e));
            act(g, p + "moe.dispatch.out", e, b, c, d);
            g.op(new Op(p + "moe.dispatch", OpKind.MATMUL, layer, List.of(ln2, p + "moe.router.out"), List.of(),
                    p + "moe.dispatch.out", List.of("bsd", "bse", "ebcd"), sizes,
                    Map.of('s', "routing needs every token of the group"), 2.0 * b * s * e * c * d));
            param(g, p + "moe.expert_fc.weight", e, d, f);
            act(g, p + "moe.expert_fc.out", e, b, c, f);
            g.op(new Op(p + "moe.expert_fc", OpKind.MATMUL, layer, List.of(p + "moe.dispatch.out"),
                    List.of(p + "moe.expert_fc.weight"), p + "moe.expert_fc.out", List.of("ebcd", "edf", "ebcf"), sizes,
                    Map.of(), 2.0 * e * b * c * d * f));
            act(g, p + "moe.gelu.out", e, b, c, f);
            g.op(new Op(p + "moe.gelu", OpKind.GELU, layer, List.of(p + "moe.expert_fc.out"), List.of(),
                    p + "moe.gelu.out", List.of("ebcf", "ebcf"), sizes, Map.of(), 8.0 * e * b * c * f));
            param(g, p + "moe.expert_proj.weight", e, f, d);
            act(g, p + "moe.expert_proj.out", e, b, c, d);
            g.op(new Op(p + "moe.expert_proj", OpKind.MATMUL, layer, List.of(p + "moe.gelu.out"),
                    List.of(p + "moe.expert_proj.weight"), p + "moe.expert_proj.out", List.of("ebcf", "efd", "ebcd"),
                    sizes, Map.of(), 2.0 * e * b * c * f * d));
            act(g, p + "moe.combine.out", b, s, d);
            g.op(new Op(p + "moe.combine", OpKind.MATMUL, layer, List.of(p + "moe.expert_proj.out", p + "moe.router.out"),
                    List.of(), p + "moe.combine.out", List.of("ebcd", "bse", "bsd"), sizes,
                    Map.of('s', "combining needs every token of the group"), 2.0 * b * s * e * c * d));
            act(g, p + "res_2", b, s, d);
            g.op(new Op(p + "res_2", OpKind.ELEMENTWISE, layer, List.of(p + "moe.combine.out", p + "res_1"), List.of(),
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

    private static void param(Graph.Builder g, String name, long... shape) {
        g.tensor(new TensorInfo(name, toList(shape), DType.BF16, true));
    }

    private static void act(Graph.Builder g, String name, long... shape) {
        g.tensor(new TensorInfo(name, toList(shape), DType.BF16, false));
    }

    private static List<Long> toList(long[] a) {
        Long[] boxed = new Long[a.length];
        for (int i = 0; i < a.length; i++) boxed[i] = a[i];
        return List.of(boxed);
    }
}
