package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.List;

/**
 * A physical sub-mesh a pipeline stage runs on: {@code nodes} x {@code devicesPerNode} devices. Alpa's candidates:
 * (1, 2^k) inside one node and (n, M) whole nodes. Immutable.
 */
public record Submesh(int nodes, int devicesPerNode) {
    public Submesh {
        if (nodes <= 0 || devicesPerNode <= 0) throw new IllegalArgumentException("submesh " + nodes + "x" + devicesPerNode);
    }

    /** Devices in the sub-mesh. */
    public int devices() { return nodes * devicesPerNode; }

    /** Alpa's candidate sub-meshes of a cluster. */
    public static List<Submesh> candidates(ClusterProfile c) {
        List<Submesh> out = new ArrayList<>();
        for (int k = 1; k < c.devicesPerNode(); k *= 2) out.add(new Submesh(1, k));
        for (int n = 1; n <= c.nodes(); n++) out.add(new Submesh(n, c.devicesPerNode()));
        return out;
    }

    /** Logical 2-D mesh shapes n0 x n1 with n0 * n1 = devices, outer axis listed first. */
    public List<MeshShape> logicalShapes() {
        List<MeshShape> out = new ArrayList<>();
        int d = devices();
        for (int n1 = 1; n1 <= d; n1++) if (d % n1 == 0) out.add(new MeshShape(d / n1, n1));
        return out;
    }

    @Override public String toString() { return nodes + "x" + devicesPerNode; }
}
