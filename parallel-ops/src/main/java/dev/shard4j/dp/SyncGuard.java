package dev.shard4j.dp;

/**
 * Returned by {@code noSync()} of {@link GradientReducer} and {@link ZeroOptimizer}: while it is open, backward
 * passes accumulate gradients without reducing them; closing it restores synchronisation. Closed on the thread that
 * opened it.
 */
public interface SyncGuard extends AutoCloseable {
  /** Restores gradient synchronisation. */
  @Override
  void close();
}
