package dev.shard4j.autoshard;

/**
 * Alpa's layer clustering: groups a graph's pipeline layers into at most K contiguous units for the inter-op DP.
 * The layers between the first and the last are split as evenly as possible; the first layer (embeddings) joins
 * the first unit and the last layer (head and loss) the last. Immutable.
 */
final class LayerUnits {
    private final int[] first, last;

    LayerUnits(int layers, int maxUnits) {
        int k = Math.min(layers, maxUnits);
        first = new int[k];
        last = new int[k];
        int middle = layers - 2;
        if (layers <= maxUnits || middle < k) {
            int at = 0;
            for (int u = 0; u < k; u++) {
                first[u] = at;
                at += layers / k + (u < layers % k ? 1 : 0);
                last[u] = at - 1;
            }
            return;
        }
        int at = 1;
        for (int u = 0; u < k; u++) {
            first[u] = u == 0 ? 0 : at;
            at += middle / k + (u < middle % k ? 1 : 0);
            last[u] = u == k - 1 ? layers - 1 : at - 1;
        }
    }

    int count() { return first.length; }

    int firstLayer(int unit) { return first[unit]; }

    int lastLayer(int unit) { return last[unit]; }
}
