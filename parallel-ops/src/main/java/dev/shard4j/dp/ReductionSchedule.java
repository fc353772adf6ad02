package dev.shard4j.dp;

import dev.shard4j.autograd.Parameter;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Launches the gradient reductions of a list of {@link FlatUnit}s from the parameters' grad-ready hooks: a unit is
 * ready when all its parameters' gradients are complete, and ready units are launched strictly in unit order (as
 * PyTorch's reducer does), so every rank issues the same collectives in the same order even if hooks fire in a
 * different order. With overlap off nothing is launched before {@link #finish()}. Used by one rank's thread.
 */
final class ReductionSchedule {
  private final List<FlatUnit> units;
  private final Map<Parameter, FlatUnit> unitOf = new IdentityHashMap<>();
  private final boolean[] ready;
  private final boolean overlap;
  private final List<IntConsumer> launchListeners = new ArrayList<>();
  private int nextLaunch;
  private boolean sync = true;
  private boolean closed;

  ReductionSchedule(List<FlatUnit> units, boolean overlap) {
    this.units = List.copyOf(units);
    this.overlap = overlap;
    this.ready = new boolean[units.size()];
    for (FlatUnit u : units) {
      for (Parameter p : u.params) {
        if (unitOf.put(p, u) != null) {
          throw new IllegalArgumentException("parameter " + p.name() + " is listed twice");
        }
        p.onGradReady(this::gradReady);
      }
    }
  }

  List<FlatUnit> units() {
    return units;
  }

  void addLaunchListener(IntConsumer listener) {
    launchListeners.add(listener);
  }

  /**
   * Until the returned guard is closed, grad-ready hooks are ignored, so gradients of several backward passes
   * accumulate in the flat buffers (the last micro-batch then runs with synchronisation on).
   */
  SyncGuard noSync() {
    boolean previous = sync;
    sync = false;
    return () -> sync = previous;
  }

  private void gradReady(Parameter p) {
    if (closed || !sync) {
      return;
    }
    FlatUnit u = unitOf.get(p);
    if (u.markReady(p)) {
      ready[u.index] = true;
      if (overlap) {
        launchReadyPrefix();
      }
    }
  }

  private void launchReadyPrefix() {
    while (nextLaunch < units.size() && ready[nextLaunch]) {
      launch(units.get(nextLaunch++));
    }
    for (int i = 0; i < nextLaunch; i++) {
      FlatUnit u = units.get(i);
      if (u.fullGrad() != null && u.reductionDone()) {
        u.releaseFullGrad();
      }
    }
  }

  private void launch(FlatUnit u) {
    u.launch();
    for (IntConsumer l : launchListeners) {
      l.accept(u.index);
    }
  }

  /** Launches every unit not yet launched (in order), waits for all, frees transient gradients, resets counts. */
  void finish() {
    while (nextLaunch < units.size()) {
      launch(units.get(nextLaunch++));
    }
    for (FlatUnit u : units) {
      u.awaitAndReset();
      u.releaseFullGrad();
    }
    java.util.Arrays.fill(ready, false);
    nextLaunch = 0;
  }

  /** Stops reacting to hooks (they stay registered on the parameters but do nothing). */
  void close() {
    closed = true;
  }
}
