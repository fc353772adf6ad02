package dev.shard4j.autoshard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * What the planner knows about a cluster: topology, alpha-beta link parameters (alpha seconds per collective,
 * beta seconds per byte of bus traffic), FLOP/s per op class and memory per device. Serialized as JSON. Immutable.
 *
 * @param name           label
 * @param devicesPerNode devices in one node
 * @param nodes          nodes
 * @param intraAlpha     latency of a collective inside a node, seconds
 * @param intraBeta      seconds per byte inside a node (1 / bus bandwidth)
 * @param interAlpha     latency of a collective across nodes, seconds
 * @param interBeta      seconds per byte across nodes
 * @param flops          achievable FLOP/s per device per op class (keys: MATMUL, ELEMENTWISE)
 * @param memoryBytes    memory per device, bytes
 * @param groupLinks     optional measured links of collectives inside a node by group size (a mesh axis of that
 *                       many devices, measured with every group of that size of the node busy at once, as the
 *                       groups of one mesh axis are); a size missing here uses intraAlpha / intraBeta. Empty for
 *                       the presets; filled by profilers where the link depends on the group size (ranks sharing
 *                       cores, switches with per-port limits)
 * @param calibration    measured compute details: shared cores, per-kernel cost, GEMM efficiency by size
 *                       ({@link ComputeCalibration#NONE} for the presets and when absent from the JSON)
 */
public record ClusterProfile(String name, int devicesPerNode, int nodes, double intraAlpha, double intraBeta,
                             double interAlpha, double interBeta, Map<OpKind.OpClass, Double> flops,
                             long memoryBytes, Map<Integer, Link> groupLinks,
                             ComputeCalibration calibration) {
    /** Alpha (seconds per collective) and beta (seconds per byte of bus traffic) of one group size. */
    public record Link(double alpha, double beta) {
        public Link {
            if (!(alpha >= 0) || !(beta > 0)) {
                throw new IllegalArgumentException("link: alpha=" + alpha + " must be >= 0 and beta=" + beta + " > 0");
            }
        }
    }

    /** A profile without per-group-size links. */
    public ClusterProfile(String name, int devicesPerNode, int nodes, double intraAlpha, double intraBeta,
                          double interAlpha, double interBeta, Map<OpKind.OpClass, Double> flops, long memoryBytes) {
        this(name, devicesPerNode, nodes, intraAlpha, intraBeta, interAlpha, interBeta, flops, memoryBytes, Map.of(),
                ComputeCalibration.NONE);
    }

    /** A profile with per-group-size links and no compute calibration. */
    public ClusterProfile(String name, int devicesPerNode, int nodes, double intraAlpha, double intraBeta,
                          double interAlpha, double interBeta, Map<OpKind.OpClass, Double> flops, long memoryBytes,
                          Map<Integer, Link> groupLinks) {
        this(name, devicesPerNode, nodes, intraAlpha, intraBeta, interAlpha, interBeta, flops, memoryBytes, groupLinks,
                ComputeCalibration.NONE);
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final double GB = 1e9;
    private static final long GIB = 1L << 30;

    public ClusterProfile {
        if (devicesPerNode <= 0 || nodes <= 0) {
            throw new IllegalArgumentException("cluster " + name + ": devicesPerNode=" + devicesPerNode + " nodes=" + nodes);
        }
        flops = Map.copyOf(flops);
        calibration = calibration == null ? ComputeCalibration.NONE : calibration;
        groupLinks = groupLinks == null ? Map.of() : Map.copyOf(new java.util.TreeMap<>(groupLinks));
        for (int size : groupLinks.keySet()) {
            if (size < 2 || size > devicesPerNode) {
                throw new IllegalArgumentException("cluster " + name + ": group link for " + size
                        + " devices, a node has " + devicesPerNode);
            }
        }
        for (OpKind.OpClass c : OpKind.OpClass.values()) {
            Double f = flops.get(c);
            if (f == null || f <= 0) throw new IllegalArgumentException("cluster " + name + ": no FLOP/s for " + c);
        }
    }

    /** Total devices. */
    public int devices() { return devicesPerNode * nodes; }

    /** The link of collectives over {@code size} devices inside one node. */
    public Link intraLink(int size) {
        Link l = groupLinks.get(size);
        return l != null ? l : new Link(intraAlpha, intraBeta);
    }

    /** A copy with measured links per group size inside a node. */
    public ClusterProfile withGroupLinks(Map<Integer, Link> links) {
        return new ClusterProfile(name, devicesPerNode, nodes, intraAlpha, intraBeta, interAlpha, interBeta, flops,
                memoryBytes, links, calibration);
    }

    /** A copy with measured compute details. */
    public ClusterProfile withCalibration(ComputeCalibration c) {
        return new ClusterProfile(name, devicesPerNode, nodes, intraAlpha, intraBeta, interAlpha, interBeta, flops,
                memoryBytes, groupLinks, c);
    }

    /** A copy with another memory per device. */
    public ClusterProfile withMemoryBytes(long bytes) {
        return new ClusterProfile(name, devicesPerNode, nodes, intraAlpha, intraBeta, interAlpha, interBeta, flops,
                bytes, groupLinks, calibration);
    }

    /** A copy with another name. */
    public ClusterProfile withName(String newName) {
        return new ClusterProfile(newName, devicesPerNode, nodes, intraAlpha, intraBeta, interAlpha, interBeta, flops,
                memoryBytes, groupLinks, calibration);
    }

    /** FLOP/s for an op class. */
    public double flopsFor(OpKind.OpClass c) { return flops.get(c); }

    /** A copy with another node count. */
    public ClusterProfile withNodes(int n) {
        return new ClusterProfile(name, devicesPerNode, n, intraAlpha, intraBeta, interAlpha, interBeta, flops,
                memoryBytes, groupLinks, calibration);
    }

    /** A copy with other FLOP/s figures (e.g. measured ones). */
    public ClusterProfile withFlops(Map<OpKind.OpClass, Double> f) {
        return new ClusterProfile(name, devicesPerNode, nodes, intraAlpha, intraBeta, interAlpha, interBeta, f,
                memoryBytes, groupLinks, calibration);
    }

    /** A copy with other link parameters (e.g. fitted by {@link Profiler#fit}). */
    public ClusterProfile withLinks(double intraA, double intraB, double interA, double interB) {
        return new ClusterProfile(name, devicesPerNode, nodes, intraA, intraB, interA, interB, flops, memoryBytes, groupLinks,
                calibration);
    }

    /**
     * Nodes of 8 H100 SXM (989 TFLOP/s bf16 dense, 80 GB, NVLink ~450 GB/s all-reduce bus bandwidth) joined by
     * 400 Gb/s InfiniBand (50 GB/s). FLOP/s are the dense peaks; elementwise ops are memory bound, modelled as
     * 1/100 of the matmul rate.
     */
    public static ClusterProfile h100(int nodes) {
        return new ClusterProfile("8xH100-NVLink-IB400", 8, nodes, 5e-6, 1 / (450 * GB), 10e-6, 1 / (50 * GB),
                Map.of(OpKind.OpClass.MATMUL, 989e12, OpKind.OpClass.ELEMENTWISE, 9.89e12), 80 * GIB);
    }

    /** p3.16xlarge nodes: 8 V100 (125 TFLOP/s fp16 tensor, 16 GB, NVLink ~130 GB/s), 25 Gb/s Ethernet. */
    public static ClusterProfile v100(int nodes) {
        return new ClusterProfile("p3.16xlarge-8xV100-Eth25", 8, nodes, 10e-6, 1 / (130 * GB), 50e-6, 1 / (3.125 * GB),
                Map.of(OpKind.OpClass.MATMUL, 125e12, OpKind.OpClass.ELEMENTWISE, 1.25e12), 16 * GIB);
    }

    /**
     * One CPU node of {@code devices} ranks, one core each, with defaults from the 2026-11-24 JMH runs in
     * docs/benchmarks.md on a Zen 5 core: matmul 1.8e11 FLOP/s (fp32 GEMM, n = 2048, 1 thread), elementwise 2.5e9
     * FLOP/s (GELU at 20 GB/s), shared-memory links at the 1-thread copy bandwidth (about 35 GB/s) with a 20 us
     * synchronization latency (not yet measured: the local collectives have no benchmark yet). {@link Profiler}
     * measurements of the actual machine replace them via {@link #withLinks} and {@link #withFlops}.
     */
    public static ClusterProfile localCpu(int devices) {
        return new ClusterProfile("local-cpu", devices, 1, 20e-6, 1 / (35 * GB), 20e-6, 1 / (35 * GB),
                Map.of(OpKind.OpClass.MATMUL, 1.8e11, OpKind.OpClass.ELEMENTWISE, 2.5e9), 16 * GIB);
    }

    /** Pretty-printed JSON. */
    public String toJson() {
        try { return JSON.writeValueAsString(this); }
        catch (IOException e) { throw new UncheckedIOException(e); }
    }

    /** Parses JSON written by {@link #toJson}. */
    public static ClusterProfile fromJson(String json) {
        try { return JSON.readValue(json, ClusterProfile.class); }
        catch (IOException e) { throw new UncheckedIOException("cluster profile: " + e.getMessage(), e); }
    }
}
