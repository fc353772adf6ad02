package dev.shard4j.autograd;

/** One recorded operation: its name (for error messages), its inputs and its backward rule. */
final class Node {
  final String name;
  final Variable[] inputs;
  final BackwardFunction backward;

  Node(String name, Variable[] inputs, BackwardFunction backward) {
    this.name = name;
    this.inputs = inputs;
    this.backward = backward;
  }

  @Override
  public String toString() {
    return name;
  }
}
