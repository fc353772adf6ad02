package dev.shard4j.pipeline;

import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.Work;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Holds one micro-batch's activations on one model chunk from its receive (or forward) until it is freed. Scopes
 * free tensors innermost first, but 1F1B frees micro-batches first-in first-out; so each slot has its own thread,
 * on which the micro-batch's scope is open and all its work (receive, forward, backward, sends) runs, and
 * {@link #free} closes that scope there. The executor calls {@link #run} and waits, so at most one thread of a rank
 * computes at a time. Owned by the executor; reused across micro-batches; close it to stop the thread.
 */
final class MicroBatchSlot implements AutoCloseable {
  private final ExecutorService thread;
  private Scope scope;
  Variable input;
  Variable output;
  Tensor outputGrad;
  final List<Work> sends = new ArrayList<>();

  MicroBatchSlot(String name) {
    thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs {@code body} on the slot's thread inside its scope (opened on first use) and waits for it. */
  void run(Runnable body) {
    Future<?> f = thread.submit(() -> {
      if (scope == null) {
        scope = Scope.open();
      }
      body.run();
    });
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("pipeline: interrupted while running a micro-batch", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    }
  }

  /** Number of tensors the micro-batch holds (its saved activations, inputs and gradients). */
  int heldTensors() {
    int[] n = new int[1];
    run(() -> n[0] = scope.size());
    return n[0];
  }

  /** Waits for the pending sends, then frees every tensor of the micro-batch; the slot is empty afterwards. */
  void free() {
    run(() -> {
      for (Work w : sends) {
        w.await();
      }
      sends.clear();
      input = null;
      output = null;
      outputGrad = null;
      scope.close();
      scope = null;
    });
  }

  @Override
  public void close() {
    if (scope != null) {
      free();
    }
    thread.shutdown();
  }
}
