package dev.shard4j.autograd;

import java.util.Map;

/**
 * One recorded operation: its name (for error messages and {@link RecordedOp}), its inputs, its backward rule and
 * small integer attributes that describe it beyond its operands (e.g. the number of attention heads).
 */
final class Node {
  final String name;
  final Variable[] inputs;
  final BackwardFunction backward;
  final Map<String, Long> attributes;

  Node(String name, Variable[] inputs, BackwardFunction backward, Map<String, Long> attributes) {
    this.name = name;
    this.inputs = inputs;
    this.backward = backward;
    this.attributes = attributes;
  }

  @Override
  public String toString() {
    return name;
  }
}
