package dev.shard4j.pipeline;

import dev.shard4j.layers.GptConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which layers of a GPT each virtual pipeline stage runs. The model is the sequence of {@code L + 2} layers
 * {@code embedding, blocks.0, ..., blocks.(L-1), head} (head = final layer norm, LM head and loss); a stage map
 * gives each virtual stage a contiguous, non-empty run of them, in order, every layer exactly once. Immutable; any
 * thread.
 */
public final class StageMap {
  private final int layers;
  private final List<int[]> ranges;

  private StageMap(int layers, List<int[]> ranges) {
    this.layers = layers;
    this.ranges = ranges;
  }

  /** Blocks split as evenly as possible over {@code stages} virtual stages (earlier stages get the extra ones). */
  public static StageMap balanced(GptConfig config, int stages) {
    int blocks = config.layers();
    if (stages < 1 || stages > blocks) {
      throw new IllegalArgumentException("pipeline: " + stages + " virtual stages for a model with " + blocks
          + " transformer blocks; each stage needs at least one block (use at most " + blocks + " stages)");
    }
    List<List<Integer>> stagesLayers = new ArrayList<>();
    int next = 1;
    for (int s = 0; s < stages; s++) {
      int count = blocks / stages + (s < blocks % stages ? 1 : 0);
      List<Integer> l = new ArrayList<>();
      if (s == 0) {
        l.add(0);
      }
      for (int i = 0; i < count; i++) {
        l.add(next++);
      }
      if (s == stages - 1) {
        l.add(blocks + 1);
      }
      stagesLayers.add(l);
    }
    return of(config, stagesLayers);
  }

  /**
   * An explicit map: {@code stages.get(s)} lists the layer indices of virtual stage s (0 = embedding, 1..L =
   * blocks, L + 1 = head). Rejects empty stages, skipped, repeated or out-of-order layers, naming them.
   */
  public static StageMap of(GptConfig config, List<List<Integer>> stages) {
    int total = config.layers() + 2;
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("stage map: no stages");
    }
    if (stages.size() > total) {
      throw new IllegalArgumentException("stage map: " + stages.size() + " stages for " + total
          + " layers (embedding, " + config.layers() + " blocks, head)");
    }
    int[] owner = new int[total];
    java.util.Arrays.fill(owner, -1);
    List<int[]> ranges = new ArrayList<>();
    int expected = 0;
    for (int s = 0; s < stages.size(); s++) {
      List<Integer> l = stages.get(s);
      if (l.isEmpty()) {
        throw new IllegalArgumentException("stage map: stage " + s + " has no layers");
      }
      for (int layer : l) {
        if (layer < 0 || layer >= total) {
          throw new IllegalArgumentException("stage map: stage " + s + " names layer " + layer + ", outside [0, "
              + total + ")");
        }
        if (owner[layer] >= 0) {
          throw new IllegalArgumentException("stage map: layer " + layer + " (" + layerName(config, layer)
              + ") appears in stage " + owner[layer] + " and again in stage " + s);
        }
        if (layer != expected) {
          throw new IllegalArgumentException("stage map: stage " + s + " has layer " + layer + " ("
              + layerName(config, layer) + ") where layer " + expected + " (" + layerName(config, expected)
              + ") comes next: layers must appear once each, in order");
        }
        owner[layer] = s;
        expected++;
      }
      ranges.add(new int[] {l.get(0), l.get(l.size() - 1) + 1});
    }
    if (expected != total) {
      throw new IllegalArgumentException("stage map: layer " + expected + " (" + layerName(config, expected)
          + ") is in no stage");
    }
    return new StageMap(config.layers(), Collections.unmodifiableList(ranges));
  }

  private static String layerName(GptConfig config, int layer) {
    return layer == 0 ? "embedding" : layer == config.layers() + 1 ? "head" : "blocks." + (layer - 1);
  }

  /** Number of virtual stages. */
  public int stages() {
    return ranges.size();
  }

  /** Whether virtual stage {@code s} runs the embedding. */
  public boolean hasEmbedding(int s) {
    return ranges.get(s)[0] == 0;
  }

  /** Whether virtual stage {@code s} runs the final norm, LM head and loss. */
  public boolean hasHead(int s) {
    return ranges.get(s)[1] == layers + 2;
  }

  /** The first block index of stage {@code s} (inclusive). */
  public int firstBlock(int s) {
    return Math.max(ranges.get(s)[0], 1) - 1;
  }

  /** The block index after the last block of stage {@code s}. */
  public int endBlock(int s) {
    return Math.min(ranges.get(s)[1], layers + 1) - 1;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("StageMap[");
    for (int s = 0; s < ranges.size(); s++) {
      List<String> parts = new ArrayList<>();
      if (hasEmbedding(s)) {
        parts.add("embedding");
      }
      if (endBlock(s) > firstBlock(s)) {
        parts.add(endBlock(s) - firstBlock(s) == 1 ? "blocks." + firstBlock(s)
            : "blocks." + firstBlock(s) + "-" + (endBlock(s) - 1));
      }
      if (hasHead(s)) {
        parts.add("head");
      }
      b.append(s == 0 ? "" : ", ").append(String.join("+", parts));
    }
    return b.append(']').toString();
  }
}
