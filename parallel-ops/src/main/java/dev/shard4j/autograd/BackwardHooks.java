package dev.shard4j.autograd;

import dev.shard4j.tensor.Tensor;

/**
 * Hooks into the backward pass at a point of the graph. Sharded-parameter schemes (ZeRO-3 / FSDP) put
 * {@link #beforeBackward} on a block's output to gather the block's parameters again just before the backward pass
 * enters the block, and release them from the parameters' grad-ready hooks once their gradients are complete.
 * Call on the thread that owns the graph.
 */
public final class BackwardHooks {
  private BackwardHooks() {}

  /**
   * The identity on {@code x}, recorded so that {@code action} runs on the backward thread when the gradient of
   * {@code x} is complete, before it flows on to the operations that produced x.
   */
  public static Variable beforeBackward(Variable x, Runnable action) {
    return Autograd.record("before_backward", x.value(), g -> {
      action.run();
      return new Tensor[] {g};
    }, x);
  }
}
