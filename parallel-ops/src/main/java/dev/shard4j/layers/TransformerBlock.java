package dev.shard4j.layers;

import dev.shard4j.autograd.PointwiseFunctions;
import dev.shard4j.autograd.Variable;

/**
 * A pre-LN GPT-2 block: {@code x + attn(ln1(x))}, then {@code x + mlp(ln2(x))}. Activations are sequence-major
 * (T, B, C), or this rank's sequence shard under sequence parallelism. Owns its layers; one rank's thread.
 */
public final class TransformerBlock extends Module {
  private final LayerNorm ln1;
  private final CausalSelfAttention attn;
  private final LayerNorm ln2;
  private final Mlp mlp;

  /** Block {@code index} of the model described by {@code config}. */
  public TransformerBlock(ParameterFactory f, String name, GptConfig config) {
    super(f, name);
    float std = GptConfig.INIT_STD;
    float projStd = (float) (GptConfig.INIT_STD / Math.sqrt(2.0 * config.layers()));
    ln1 = child(new LayerNorm(f, qualify("ln1"), config.dModel(), GptConfig.LN_EPS));
    attn = child(new CausalSelfAttention(f, qualify("attn"), config.dModel(), config.heads(), std, projStd));
    ln2 = child(new LayerNorm(f, qualify("ln2"), config.dModel(), GptConfig.LN_EPS));
    mlp = child(new Mlp(f, qualify("mlp"), config.dModel(), std, projStd));
  }

  /** x (T, B, C) -> (T, B, C). */
  public Variable forward(Variable x) {
    Variable h = PointwiseFunctions.add(x, attn.forward(ln1.forward(x)));
    return PointwiseFunctions.add(h, mlp.forward(ln2.forward(h)));
  }
}
