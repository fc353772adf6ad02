package dev.shard4j.autoshard;

import java.util.List;
import java.util.Map;

/** Small hand-made graphs and profiles for planner tests. */
final class TestGraphs {
    private TestGraphs() {}

    /** One device class: alpha 1 us, beta 1 ns/byte everywhere, 1 TFLOP/s matmul, 0.1 TFLOP/s elementwise. */
    static ClusterProfile simpleCluster(int devicesPerNode, int nodes, long memoryBytes) {
        return new ClusterProfile("test", devicesPerNode, nodes, 1e-6, 1e-9, 1e-5, 1e-8,
                Map.of(OpKind.OpClass.MATMUL, 1e12, OpKind.OpClass.ELEMENTWISE, 1e11), memoryBytes);
    }

    /** x[b,s,k] (graph input) @ W[k,n] -> y[b,s,n], bf16. */
    static Graph matmul(long b, long s, long k, long n) {
        Graph.Builder g = new Graph.Builder();
        g.tensor(new TensorInfo("x", List.of(b, s, k), DType.BF16, false));
        g.tensor(new TensorInfo("w", List.of(k, n), DType.BF16, true));
        g.tensor(new TensorInfo("y", List.of(b, s, n), DType.BF16, false));
        g.op(new Op("fc", OpKind.MATMUL, 0, List.of("x"), List.of("w"), "y", List.of("bsk", "kn", "bsn"),
                Map.of('b', b, 's', s, 'k', k, 'n', n), Map.of(), 2.0 * b * s * k * n));
        return g.build();
    }

    /** layernorm -> fc -> gelu -> proj, one layer unit per op (for pipeline tests), bf16. */
    static Graph mlp(long b, long s, long d, long f) {
        Graph.Builder g = new Graph.Builder();
        Map<Character, Long> sz = Map.of('b', b, 's', s, 'd', d, 'f', f);
        g.tensor(new TensorInfo("x", List.of(b, s, d), DType.BF16, false));
        g.tensor(new TensorInfo("ln.w", List.of(d), DType.BF16, true));
        g.tensor(new TensorInfo("ln.out", List.of(b, s, d), DType.BF16, false));
        g.tensor(new TensorInfo("fc.w", List.of(d, f), DType.BF16, true));
        g.tensor(new TensorInfo("fc.out", List.of(b, s, f), DType.BF16, false));
        g.tensor(new TensorInfo("gelu.out", List.of(b, s, f), DType.BF16, false));
        g.tensor(new TensorInfo("proj.w", List.of(f, d), DType.BF16, true));
        g.tensor(new TensorInfo("proj.out", List.of(b, s, d), DType.BF16, false));
        g.op(new Op("ln", OpKind.LAYERNORM, 0, List.of("x"), List.of("ln.w"), "ln.out", List.of("bsd", "d", "bsd"), sz,
                Map.of('d', "layernorm normalizes over d"), 8.0 * b * s * d));
        g.op(new Op("fc", OpKind.MATMUL, 1, List.of("ln.out"), List.of("fc.w"), "fc.out", List.of("bsd", "df", "bsf"), sz,
                Map.of(), 2.0 * b * s * d * f));
        g.op(new Op("gelu", OpKind.GELU, 1, List.of("fc.out"), List.of(), "gelu.out", List.of("bsf", "bsf"), sz,
                Map.of(), 8.0 * b * s * f));
        g.op(new Op("proj", OpKind.MATMUL, 2, List.of("gelu.out"), List.of("proj.w"), "proj.out",
                List.of("bsf", "fd", "bsd"), sz, Map.of(), 2.0 * b * s * f * d));
        return g.build();
    }
}
