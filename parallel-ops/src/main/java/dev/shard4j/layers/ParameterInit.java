package dev.shard4j.layers;

import dev.shard4j.ops.Init;
import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.Tensor;

/**
 * How a parameter's full tensor is filled: a normal distribution (GPT-2: std 0.02, residual projections scaled by
 * 1/sqrt(2 * layers)) drawn from the model seed and the parameter's name, or a constant (layer-norm weight 1,
 * biases 0). Immutable.
 */
public record ParameterInit(Kind kind, float value) {
  /** The distribution. */
  public enum Kind {
    /** N(0, value^2). */
    NORMAL,
    /** Every element equals value. */
    CONSTANT
  }

  /** N(0, std^2). */
  public static ParameterInit normal(float std) {
    return new ParameterInit(Kind.NORMAL, std);
  }

  /** A constant. */
  public static ParameterInit constant(float value) {
    return new ParameterInit(Kind.CONSTANT, value);
  }

  /**
   * Fills {@code full} for the parameter {@code name}: the Philox stream is selected by a 64-bit FNV-1a hash of the
   * name, so the numbers depend only on (seed, name, index) and every sharding of the model slices the same ones.
   */
  public void fill(Tensor full, long seed, String name) {
    if (kind == Kind.NORMAL) {
      Init.normal(full, seed, streamOf(name), 0f, value);
    } else {
      TensorOps.fill(full, value);
    }
  }

  /** The Philox stream of a parameter name (FNV-1a, 64 bit). */
  public static long streamOf(String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
