package dev.shard4j.autoshard;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the planning graph of a Wide-ResNet-like conv net with convolutions expressed as matmuls (im2col): a stem
 * conv from 3 input channels, {@code blocks} residual blocks of two 3x3 convs at one resolution and width (conv,
 * ReLU, conv, residual), and a head (global average pool, classifier, cross-entropy). Index letters: b batch, p
 * pixels, c and n channels (block input/output and hidden), k the 9 kernel taps (contracted), v classes. Layer
 * units: 0 = stem, 1..blocks = blocks, blocks+1 = head. Batch normalisation is left out (it would forbid splitting
 * b and p). Immutable inputs; each {@link #build} returns a new graph.
 */
public final class WideResNetGraphBuilder {
    private final long batch, pixels, width, blocks, classes;

    /** A builder for {@code batch} images of {@code pixels} pixels, {@code width} channels, {@code blocks} blocks. */
    public WideResNetGraphBuilder(long batch, long pixels, long width, long blocks, long classes) {
        if (batch <= 0 || pixels <= 0 || width <= 0 || blocks <= 0 || classes <= 0) {
            throw new IllegalArgumentException("wide-resnet: all sizes must be positive: batch=" + batch + " pixels="
                    + pixels + " width=" + width + " blocks=" + blocks + " classes=" + classes);
        }
        this.batch = batch; this.pixels = pixels; this.width = width; this.blocks = blocks; this.classes = classes;
    }

    /** Builds the graph (bf16). */
    public Graph build() {
        Graph.Builder g = new Graph.Builder();
        long b = batch, p = pixels, c = width, v = classes;
        Map<Character, Long> sizes = new HashMap<>(Map.of('b', b, 'p', p, 'c', c, 'n', c, 'k', 9L, 'v', v, 'i', 27L));
        tensor(g, "images", false, b, p, 27);
        tensor(g, "stem.weight", true, 27, c);
        tensor(g, "stem.out", false, b, p, c);
        g.op(new Op("stem", OpKind.MATMUL, 0, List.of("images"), List.of("stem.weight"), "stem.out",
                List.of("bpi", "ic", "bpc"), sizes, Map.of(), 2.0 * b * p * 27 * c));
        String x = "stem.out";
        for (int i = 0; i < blocks; i++) {
            String n = "block." + i + ".";
            int layer = i + 1;
            tensor(g, n + "conv1.weight", true, c, 9, c);
            tensor(g, n + "conv1.out", false, b, p, c);
            g.op(new Op(n + "conv1", OpKind.MATMUL, layer, List.of(x), List.of(n + "conv1.weight"), n + "conv1.out",
                    List.of("bpc", "ckn", "bpn"), sizes, Map.of(), 2.0 * b * p * c * 9 * c));
            tensor(g, n + "relu.out", false, b, p, c);
            g.op(new Op(n + "relu", OpKind.ELEMENTWISE, layer, List.of(n + "conv1.out"), List.of(), n + "relu.out",
                    List.of("bpn", "bpn"), sizes, Map.of(), 1.0 * b * p * c));
            tensor(g, n + "conv2.weight", true, c, 9, c);
            tensor(g, n + "conv2.out", false, b, p, c);
            g.op(new Op(n + "conv2", OpKind.MATMUL, layer, List.of(n + "relu.out"), List.of(n + "conv2.weight"),
                    n + "conv2.out", List.of("bpn", "nkc", "bpc"), sizes, Map.of(), 2.0 * b * p * c * 9 * c));
            tensor(g, n + "res", false, b, p, c);
            g.op(new Op(n + "res", OpKind.ELEMENTWISE, layer, List.of(n + "conv2.out", x), List.of(), n + "res",
                    List.of("bpc", "bpc", "bpc"), sizes, Map.of(), 1.0 * b * p * c));
            x = n + "res";
        }
        int head = (int) blocks + 1;
        tensor(g, "pool.out", false, b, c);
        g.op(new Op("pool", OpKind.MATMUL, head, List.of(x), List.of(), "pool.out", List.of("bpc", "bc"), sizes,
                Map.of(), 1.0 * b * p * c));
        tensor(g, "fc.weight", true, c, v);
        tensor(g, "fc.out", false, b, v);
        g.op(new Op("fc", OpKind.MATMUL, head, List.of("pool.out"), List.of("fc.weight"), "fc.out",
                List.of("bc", "cv", "bv"), sizes, Map.of(), 2.0 * b * c * v));
        g.tensor(new TensorInfo("labels", List.of(b), DType.I32, false));
        g.tensor(new TensorInfo("loss", List.of(), DType.F32, false));
        g.op(new Op("loss", OpKind.CROSS_ENTROPY, head, List.of("fc.out", "labels"), List.of(), "loss",
                List.of("bv", "b", ""), sizes, Map.of(), 5.0 * b * v));
        return g.build();
    }

    private static void tensor(Graph.Builder g, String name, boolean parameter, long... shape) {
        Long[] boxed = new Long[shape.length];
        for (int i = 0; i < shape.length; i++) boxed[i] = shape[i];
        g.tensor(new TensorInfo(name, List.of(boxed), DType.BF16, parameter));
    }
}
