package dev.shard4j.autograd;

import java.util.List;
import java.util.Map;

/**
 * A read-only view of one operation of a recorded forward graph, as {@link Autograd#recordedOps} lists them: the
 * name the operation was recorded under ({@code linear}, {@code layer_norm}, {@code causal_attention}, ...), its
 * variable inputs in argument order, the variable it produced and its attributes (e.g. {@code heads} of
 * {@code causal_attention}). Tensors that are not variables (token ids, targets) are not operands of the graph and
 * do not appear. The view does not own anything: the variables' values belong to whoever owns the graph, and the
 * view is valid as long as they are. Immutable; read it on the thread that owns the graph.
 */
public final class RecordedOp {
  private final Node node;
  private final Variable output;

  RecordedOp(Node node, Variable output) {
    this.node = node;
    this.output = output;
  }

  /** The name the operation was recorded under. */
  public String name() {
    return node.name;
  }

  /** The variable inputs, in the order they were passed to {@link Autograd#record}. */
  public List<Variable> inputs() {
    return List.of(node.inputs);
  }

  /** The variable the operation produced. */
  public Variable output() {
    return output;
  }

  /** The attributes recorded with the operation (unmodifiable; empty for most operations). */
  public Map<String, Long> attributes() {
    return node.attributes;
  }

  @Override
  public String toString() {
    return node.name + node.attributes + " -> " + output.value().describe();
  }
}
