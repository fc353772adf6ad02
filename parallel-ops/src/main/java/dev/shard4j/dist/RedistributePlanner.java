package dev.shard4j.dist;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Plans a redistribution as a list of {@link RedistributeStep}s, each changing the placement of one mesh axis with
 * one direct transition, and caches plans by (mesh shape, global shape, source, target).
 *
 * <p><b>Direct transitions</b> on axis {@code a} (group size {@code n > 1}): {@code P -> R} all-reduce, {@code P ->
 * S(d)} reduce-scatter, {@code S(d) -> R} all-gather, {@code S(d) -> S(e)} all-to-all, and without communication
 * {@code R -> S(d)} (slice), {@code R -> P} (the value on one coordinate, zeros elsewhere; for avg/max/min the value
 * everywhere) and {@code S(d) -> P(sum)} (the shard zero-padded to the whole dimension). A transition that touches
 * tensor dimension {@code d} is direct only when no later mesh axis currently shards {@code d}, because shardings of
 * one dimension nest in mesh-axis order. {@code P(x) -> P(y)} and {@code S -> P(avg|max|min)} go through {@code R}.
 * Axes of size 1 need no step: every placement of a size-1 axis holds the same data.
 *
 * <p><b>Search.</b> The plan is the cheapest path (Dijkstra) over placement states, where each axis may move to its
 * target or to {@code R}. Costs are per-rank elements moved ({@code 2(n-1)/n L} for all-reduce, {@code (n-1)/n L}
 * for reduce-scatter and all-to-all, {@code (n-1) L} for all-gather of a shard of {@code L} elements), plus a fixed
 * latency per collective and a small cost for local copies. Costs depend only on shapes and placements, not on the
 * rank, so every rank computes the same plan. Thread-safe: the cache is a concurrent, bounded map.
 */
public final class RedistributePlanner {
  private static final double LATENCY = 64;
  private static final double LOCAL_COPY = 0.01;
  private static final int CACHE_LIMIT = 4096;
  private static final Map<Key, List<RedistributeStep>> CACHE =
      Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, List<RedistributeStep>> e) {
          return size() > CACHE_LIMIT;
        }
      });

  private RedistributePlanner() {}

  private record Key(List<Integer> mesh, Shape global, List<Placement> src, List<Placement> dst) {}

  /**
   * The steps that turn {@code src} into {@code dst} for a tensor of {@code global} shape on a mesh of
   * {@code meshShape} (an immutable list, empty when nothing moves). Cached.
   */
  public static List<RedistributeStep> plan(int[] meshShape, Shape global, List<Placement> src, List<Placement> dst) {
    int[] zero = new int[meshShape.length];
    ShardLayout.check(global, meshShape, zero, src);
    ShardLayout.check(global, meshShape, zero, dst);
    List<Integer> mesh = Arrays.stream(meshShape).boxed().toList();
    Key key = new Key(mesh, global, List.copyOf(src), List.copyOf(dst));
    List<RedistributeStep> cached = CACHE.get(key);
    if (cached == null) {
      cached = search(meshShape, global.numel(), key.src(), key.dst());
      CACHE.put(key, cached);
    }
    return cached;
  }

  /**
   * True when {@code to} can replace the placement of {@code axis} in {@code state} with one direct transition
   * (see the class comment).
   */
  public static boolean isDirect(List<Placement> state, int axis, Placement to) {
    Placement from = state.get(axis);
    if (from.equals(to)) {
      return false;
    }
    if (from.isPartial()) {
      return to.isReplicate() || to instanceof Placement.Shard s && !laterAxisShards(state, axis, s.dim());
    }
    if (from.isReplicate()) {
      return to.isPartial() || to instanceof Placement.Shard s && !laterAxisShards(state, axis, s.dim());
    }
    int d = ((Placement.Shard) from).dim();
    if (laterAxisShards(state, axis, d)) {
      return false;
    }
    if (to instanceof Placement.Shard s) {
      return !laterAxisShards(state, axis, s.dim());
    }
    return to.isReplicate() || ((Placement.Partial) to).op() == ReduceOp.SUM;
  }

  private static boolean laterAxisShards(List<Placement> state, int axis, int dim) {
    for (int j = axis + 1; j < state.size(); j++) {
      if (state.get(j).isShard(dim)) {
        return true;
      }
    }
    return false;
  }

  private record Node(List<Placement> state, double cost, long order) {}

  private static List<RedistributeStep> search(int[] mesh, long numel, List<Placement> src, List<Placement> dst) {
    List<Placement> start = new ArrayList<>(src);
    for (int a = 0; a < mesh.length; a++) {
      if (mesh[a] == 1) {
        start.set(a, dst.get(a));
      }
    }
    List<Placement> begin = List.copyOf(start);
    Map<List<Placement>, Double> best = new HashMap<>();
    Map<List<Placement>, RedistributeStep> via = new HashMap<>();
    Map<List<Placement>, List<Placement>> prev = new HashMap<>();
    PriorityQueue<Node> queue = new PriorityQueue<>((x, y) -> x.cost() != y.cost()
        ? Double.compare(x.cost(), y.cost()) : Long.compare(x.order(), y.order()));
    long order = 0;
    best.put(begin, 0.0);
    queue.add(new Node(begin, 0, order++));
    while (!queue.isEmpty()) {
      Node node = queue.poll();
      if (node.cost() > best.get(node.state())) {
        continue;
      }
      if (node.state().equals(dst)) {
        return path(begin, dst, via, prev);
      }
      for (int a = mesh.length - 1; a >= 0; a--) {
        if (mesh[a] == 1) {
          continue;
        }
        Placement cur = node.state().get(a);
        List<Placement> targets = new ArrayList<>(2);
        if (!cur.equals(dst.get(a))) {
          targets.add(dst.get(a));
        }
        if (!cur.isReplicate() && !dst.get(a).isReplicate()) {
          targets.add(Placement.replicate());
        }
        for (Placement t : targets) {
          if (!isDirect(node.state(), a, t)) {
            continue;
          }
          List<Placement> next = new ArrayList<>(node.state());
          next.set(a, t);
          List<Placement> nextState = List.copyOf(next);
          double c = node.cost() + stepCost(mesh, numel, node.state(), a, t);
          Double known = best.get(nextState);
          if (known == null || c < known) {
            best.put(nextState, c);
            via.put(nextState, new RedistributeStep(a, cur, t));
            prev.put(nextState, node.state());
            queue.add(new Node(nextState, c, order++));
          }
        }
      }
    }
    throw new IllegalStateException("redistribute: no plan from " + src + " to " + dst + " on mesh "
        + Arrays.toString(mesh));
  }

  private static List<RedistributeStep> path(List<Placement> begin, List<Placement> dst,
      Map<List<Placement>, RedistributeStep> via, Map<List<Placement>, List<Placement>> prev) {
    List<RedistributeStep> steps = new ArrayList<>();
    for (List<Placement> s = dst; !s.equals(begin); s = prev.get(s)) {
      steps.add(via.get(s));
    }
    Collections.reverse(steps);
    return List.copyOf(steps);
  }

  private static double stepCost(int[] mesh, long numel, List<Placement> state, int axis, Placement to) {
    double local = numel;
    for (int a = 0; a < mesh.length; a++) {
      if (state.get(a).isShard()) {
        local /= mesh[a];
      }
    }
    int n = mesh[axis];
    RedistributeStep step = new RedistributeStep(axis, state.get(axis), to);
    return switch (step.collective()) {
      case ALL_REDUCE -> LATENCY + 2.0 * (n - 1) / n * local;
      case REDUCE_SCATTER, ALL_TO_ALL -> LATENCY + (double) (n - 1) / n * local;
      case ALL_GATHER -> LATENCY + (n - 1) * local;
      case NONE -> 1 + LOCAL_COPY * (state.get(axis).isShard() ? n * local : local);
    };
  }
}
