package dev.shard4j.autograd;

import dev.shard4j.tensor.Tensor;

/**
 * The backward rule of one recorded operation: given the gradient of the loss with respect to the operation's
 * output, returns the gradient with respect to each input, in the order the inputs were passed to
 * {@link Autograd#record}. An entry may be null when that input needs no gradient (check
 * {@link Variable#requiresGrad()}). Returned tensors are created in the current {@code Scope}; the engine may keep
 * a returned tensor as an input's gradient, so a rule must not write into it later. A rule may return
 * {@code gradOutput} itself (e.g. addition) and must not modify {@code gradOutput} in place.
 */
@FunctionalInterface
public interface BackwardFunction {
  /** Gradients for the inputs, one entry per input (null where not needed). */
  Tensor[] apply(Tensor gradOutput);
}
