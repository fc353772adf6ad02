package dev.shard4j.autograd;

import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reverse-mode engine. Operations call {@link #record} to link their output to their inputs with a backward
 * rule; {@link Variable#backward()} then walks the recorded graph from the loss in reverse topological order,
 * running each rule once all gradients of its output have arrived, and accumulating gradients into leaves.
 *
 * <p>Recording is per thread and can be switched off with {@link #noGrad()} (evaluation, optimizer steps,
 * recomputation). Everything here runs on the calling thread; ranks that are threads of one JVM each have their
 * own graphs.
 */
public final class Autograd {
  private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

  private Autograd() {}

  /** Whether operations on the current thread are being recorded. */
  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  /** Switches recording off on this thread until the returned guard is closed (guards nest). */
  public static Guard noGrad() {
    return setEnabled(false);
  }

  /** Switches recording on (inside a {@link #noGrad()} region) until the returned guard is closed. */
  public static Guard enableGrad() {
    return setEnabled(true);
  }

  private static Guard setEnabled(boolean on) {
    boolean[] flag = ENABLED.get();
    boolean previous = flag[0];
    flag[0] = on;
    return () -> flag[0] = previous;
  }

  /** Restores the previous recording state when closed. */
  public interface Guard extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Wraps {@code output}, the result of operation {@code name} on {@code inputs}, into a variable. When recording is
   * on and some input requires a gradient, the variable remembers {@code backward} and the inputs; otherwise it is
   * a constant and {@code backward} is dropped.
   */
  public static Variable record(String name, Tensor output, BackwardFunction backward, Variable... inputs) {
    return record(name, Map.of(), output, backward, inputs);
  }

  /**
   * {@link #record(String, Tensor, BackwardFunction, Variable...)} with {@code attributes}: integers that describe
   * the operation beyond its operands (e.g. the number of attention heads), visible to {@link #recordedOps}.
   */
  public static Variable record(String name, Map<String, Long> attributes, Tensor output, BackwardFunction backward,
      Variable... inputs) {
    if (!isEnabled()) {
      return Variable.constant(output);
    }
    boolean any = false;
    for (Variable v : inputs) {
      any |= v.requiresGrad();
    }
    if (!any) {
      return Variable.constant(output);
    }
    return new Variable(output, true, new Node(name, inputs.clone(), backward, Map.copyOf(attributes)));
  }

  /**
   * The operations recorded on the way to {@code root}, each once, in a topological order of the forward pass:
   * every operation comes after the operations producing its inputs, and inputs are explored in argument order, so
   * straight-line forward code is listed in the order it ran. Leaves (parameters, inputs) are not operations; a
   * leaf {@code root} gives an empty list. Walks the graph without running anything; the views hold the graph's
   * variables, whose values stay owned by their scopes. Call on the thread that owns the graph.
   */
  public static List<RecordedOp> recordedOps(Variable root) {
    List<RecordedOp> out = new ArrayList<>();
    if (root.isLeaf()) {
      return out;
    }
    IdentityHashMap<Node, Boolean> seen = new IdentityHashMap<>();
    // iterative post-order: a frame is (variable, index of the next input to visit)
    ArrayDeque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {root, 0});
    seen.put(root.producer, Boolean.TRUE);
    while (!stack.isEmpty()) {
      Object[] frame = stack.peek();
      Variable v = (Variable) frame[0];
      int next = (Integer) frame[1];
      Variable[] inputs = v.producer.inputs;
      if (next < inputs.length) {
        frame[1] = next + 1;
        Variable in = inputs[next];
        if (!in.isLeaf() && seen.put(in.producer, Boolean.TRUE) == null) {
          stack.push(new Object[] {in, 0});
        }
      } else {
        stack.pop();
        out.add(new RecordedOp(v.producer, v));
      }
    }
    return out;
  }

  static void backward(Variable root, Tensor seed) {
    if (!root.requiresGrad()) {
      throw new IllegalStateException("backward: " + root + " does not require a gradient (no input of the "
          + "computation requires one, or it was computed under Autograd.noGrad())");
    }
    Tensor rootGrad;
    if (seed == null) {
      if (root.value().numel() != 1) {
        throw new IllegalArgumentException("backward: a seed gradient is needed for a non-scalar output "
            + root.value().describe());
      }
      rootGrad = TensorOps.full(root.shape(), root.value().dtype(), root.value().device(), 1f);
    } else {
      if (!seed.shape().equals(root.shape())) {
        throw new IllegalArgumentException("backward: seed " + seed.describe() + " does not match output "
            + root.value().describe());
      }
      rootGrad = seed;
    }
    if (root.isLeaf()) {
      accumulateLeaf(root, rootGrad, "backward");
      if (root instanceof Parameter p) {
        p.fireGradReady();
      }
      return;
    }
    Map<Node, Integer> pendingNodes = new IdentityHashMap<>();
    Map<Variable, Integer> pendingLeaves = new IdentityHashMap<>();
    countConsumers(root.producer, pendingNodes, pendingLeaves);

    Map<Node, Tensor> grads = new IdentityHashMap<>();
    grads.put(root.producer, rootGrad);
    ArrayDeque<Node> ready = new ArrayDeque<>();
    ready.add(root.producer);
    try (Guard g = noGrad()) {
      while (!ready.isEmpty()) {
        Node node = ready.poll();
        Tensor gradOut = grads.remove(node);
        Tensor[] inGrads = node.backward.apply(gradOut);
        if (inGrads.length != node.inputs.length) {
          throw new IllegalStateException("backward of " + node.name + " returned " + inGrads.length
              + " gradients for " + node.inputs.length + " inputs");
        }
        for (int i = 0; i < node.inputs.length; i++) {
          Variable in = node.inputs[i];
          if (!in.requiresGrad()) {
            continue;
          }
          Tensor gi = inGrads[i];
          if (gi != null && !gi.shape().equals(in.shape())) {
            throw new IllegalStateException("backward of " + node.name + ": gradient " + gi.describe()
                + " for input " + i + " does not match its value " + in.value().describe());
          }
          if (in.isLeaf()) {
            if (gi != null) {
              accumulateLeaf(in, gi, node.name);
            }
            if (decrement(pendingLeaves, in) == 0 && in instanceof Parameter p) {
              p.fireGradReady();
            }
          } else {
            if (gi != null) {
              Tensor prev = grads.get(in.producer);
              grads.put(in.producer, prev == null ? gi : Elementwise.add(prev, gi));
            }
            if (decrement(pendingNodes, in.producer) == 0) {
              if (grads.containsKey(in.producer)) {
                ready.add(in.producer);
              } else {
                skipBranch(in.producer, pendingNodes, pendingLeaves, grads, ready);
              }
            }
          }
        }
      }
    }
  }

  private static void accumulateLeaf(Variable leaf, Tensor g, String op) {
    if (leaf instanceof Parameter) {
      if (leaf.grad == null) {
        throw new IllegalStateException(op + ": parameter " + leaf + " has no gradient buffer");
      }
      Elementwise.add(leaf.grad, leaf.grad, g);
    } else {
      leaf.grad = leaf.grad == null ? g : Elementwise.add(leaf.grad, g);
    }
  }

  /** A node all of whose consumers sent no gradient: its inputs get none either, but their counts must drop. */
  private static void skipBranch(Node node, Map<Node, Integer> pendingNodes, Map<Variable, Integer> pendingLeaves,
      Map<Node, Tensor> grads, ArrayDeque<Node> ready) {
    List<Node> stack = new ArrayList<>();
    stack.add(node);
    while (!stack.isEmpty()) {
      Node n = stack.remove(stack.size() - 1);
      for (Variable in : n.inputs) {
        if (!in.requiresGrad()) {
          continue;
        }
        if (in.isLeaf()) {
          if (decrement(pendingLeaves, in) == 0 && in instanceof Parameter p) {
            p.fireGradReady();
          }
        } else if (decrement(pendingNodes, in.producer) == 0) {
          if (grads.containsKey(in.producer)) {
            ready.add(in.producer);
          } else {
            stack.add(in.producer);
          }
        }
      }
    }
  }

  private static <K> int decrement(Map<K, Integer> counts, K key) {
    int left = counts.merge(key, -1, Integer::sum);
    return left;
  }

  /** Counts, for every node and leaf reachable from {@code start}, how many recorded edges consume it. */
  private static void countConsumers(Node start, Map<Node, Integer> pendingNodes,
      Map<Variable, Integer> pendingLeaves) {
    ArrayDeque<Node> stack = new ArrayDeque<>();
    IdentityHashMap<Node, Boolean> seen = new IdentityHashMap<>();
    stack.push(start);
    seen.put(start, Boolean.TRUE);
    while (!stack.isEmpty()) {
      Node n = stack.pop();
      for (Variable in : n.inputs) {
        if (!in.requiresGrad()) {
          continue;
        }
        if (in.isLeaf()) {
          pendingLeaves.merge(in, 1, Integer::sum);
        } else {
          pendingNodes.merge(in.producer, 1, Integer::sum);
          if (seen.put(in.producer, Boolean.TRUE) == null) {
            stack.push(in.producer);
          }
        }
      }
    }
  }
}
