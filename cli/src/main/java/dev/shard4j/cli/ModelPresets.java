package dev.shard4j.cli;

import dev.shard4j.autoshard.GptGraphBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GPT configurations the {@code plan} command knows by name: the GPT-3 family of Brown et al. (2020) as benchmarked
 * by Alpa (sequence 1024, vocabulary 51200) and the small GPT-mini that the runtime trains on a CPU.
 */
final class ModelPresets {
  /** A GPT shape. */
  record Gpt(String name, long layers, long dModel, long heads, long vocab, long seq) {
    /**
     * The graph of one micro-batch of {@code microBatchSize} sequences, as the layer classes build the model (tied
     * head); written from the sizes, since most presets are too big to build and trace here.
     */
    GptGraphBuilder graph(long microBatchSize) {
      return new GptGraphBuilder(vocab, seq, dModel, heads, layers, microBatchSize);
    }

    /** Parameter count: embeddings + per block 12 d^2 + 13 d + final layer norm (LM head tied). */
    long parameters() {
      return vocab * dModel + seq * dModel + layers * (12 * dModel * dModel + 13 * dModel) + 2 * dModel;
    }
  }

  private static final Map<String, Gpt> PRESETS = new LinkedHashMap<>();

  static {
    add(new Gpt("gpt-mini", 4, 256, 4, 4096, 128));
    add(new Gpt("gpt3-350m", 24, 1024, 16, 51200, 1024));
    add(new Gpt("gpt3-1.3b", 24, 2048, 32, 51200, 1024));
    add(new Gpt("gpt3-2.6b", 32, 2560, 32, 51200, 1024));
    add(new Gpt("gpt3-6.7b", 32, 4096, 32, 51200, 1024));
    add(new Gpt("gpt3-15b", 48, 5120, 40, 51200, 1024));
    add(new Gpt("gpt3-39b", 48, 8192, 64, 51200, 1024));
  }

  private static void add(Gpt g) {
    PRESETS.put(g.name(), g);
  }

  private ModelPresets() {}

  /** The preset named {@code name}; the error lists the known names. */
  static Gpt gpt(String name) {
    Gpt g = PRESETS.get(name);
    if (g == null) {
      throw new IllegalArgumentException("unknown model '" + name + "' (known: " + String.join(", ", PRESETS.keySet())
          + ")");
    }
    return g;
  }
}
