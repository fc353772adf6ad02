package dev.shard4j.layers;

/**
 * The shape of a GPT-2 style model and its initialization seed. Immutable.
 *
 * @param layers number of transformer blocks
 * @param heads attention heads per block
 * @param dModel width of the residual stream (divisible by heads)
 * @param vocab vocabulary size
 * @param seq maximum sequence length (rows of the position embedding)
 * @param tiedLmHead whether the LM head reuses the token embedding (GPT-2) instead of its own weight
 * @param seed seed of the parameter initialization: each parameter is drawn from (seed, name)
 */
public record GptConfig(int layers, int heads, int dModel, int vocab, int seq, boolean tiedLmHead, long seed) {
  /** GPT-2's initialization std. */
  public static final float INIT_STD = 0.02f;
  /** GPT-2's layer-norm epsilon. */
  public static final float LN_EPS = 1e-5f;

  /** Checks the sizes. */
  public GptConfig {
    if (layers < 1 || heads < 1 || dModel < 1 || vocab < 1 || seq < 1) {
      throw new IllegalArgumentException("GptConfig: every size must be >= 1: layers=" + layers + " heads=" + heads
          + " dModel=" + dModel + " vocab=" + vocab + " seq=" + seq);
    }
    if (dModel % heads != 0) {
      throw new IllegalArgumentException("GptConfig: dModel=" + dModel + " is not divisible by heads=" + heads);
    }
  }

  /** A tied-head model with the given sizes and seed. */
  public static GptConfig of(int layers, int heads, int dModel, int vocab, int seq, long seed) {
    return new GptConfig(layers, heads, dModel, vocab, seq, true, seed);
  }

  /** This configuration with an untied (or tied) LM head. */
  public GptConfig withTiedLmHead(boolean tied) {
    return new GptConfig(layers, heads, dModel, vocab, seq, tied, seed);
  }

  /** Number of parameters of the full (unsharded) model. */
  public long parameterCount() {
    long c = dModel;
    long block = 2 * 2 * c + (3 * c * c + 3 * c) + (c * c + c) + (4 * c * c + 4 * c) + (4 * c * c + c);
    return (long) vocab * c + (long) seq * c + layers * block + 2 * c + (tiedLmHead ? 0 : (long) vocab * c);
  }
}
