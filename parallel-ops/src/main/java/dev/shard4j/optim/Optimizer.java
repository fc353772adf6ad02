package dev.shard4j.optim;

import dev.shard4j.autograd.Parameter;
import java.util.List;

/**
 * Updates a fixed list of {@link Parameter}s in place from their gradients. The parameters may be whole model
 * parameters or flat shards of them (ZeRO): every update rule here is element-wise, so a shard is updated exactly as
 * its elements would be inside the whole tensor.
 *
 * <p>Ownership: the optimizer owns its state tensors (allocated when it is built, so build it outside any
 * short-lived {@code Scope}) and frees them in {@link #close()}; it never closes the parameters. An optimizer
 * belongs to one rank's thread.
 */
public interface Optimizer extends AutoCloseable {
  /** One update of every parameter; {@code gradScale} multiplies each gradient first (1: none, see GradNorm). */
  void step(float gradScale);

  /** One update with unscaled gradients. */
  default void step() {
    step(1f);
  }

  /** Sets every parameter's gradient to zero. */
  default void zeroGrad() {
    for (Parameter p : parameters()) {
      p.zeroGrad();
    }
  }

  /** The learning rate of the next {@link #step}. */
  float learningRate();

  /** Sets the learning rate of the next steps (schedules call this before each step). */
  void setLearningRate(float lr);

  /** Number of steps taken so far. */
  long steps();

  /** Bytes of optimizer state (momentum, moments) held for the parameters. */
  long stateBytes();

  /** The parameters this optimizer updates, in its order. */
  List<Parameter> parameters();

  /** Frees the state tensors; idempotent. */
  @Override
  void close();
}
