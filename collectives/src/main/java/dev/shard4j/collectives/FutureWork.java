package dev.shard4j.collectives;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link Work} of an async call that a backend runs on a worker thread, over the future of that run: failures
 * come back as the {@link CommunicatorException} (or unchecked exception) the run threw. Shared by the CPU backends;
 * any thread may call it.
 */
public final class FutureWork implements Work {
  private final CompletableFuture<Void> f;

  /** Wraps the future that completes when the call has run. */
  public FutureWork(CompletableFuture<Void> f) {
    this.f = f;
  }

  @Override
  public void await() {
    try {
      f.get();
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommunicatorException("wait interrupted", e);
    }
  }

  @Override
  public boolean await(Duration timeout) {
    try {
      f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommunicatorException("wait interrupted", e);
    }
  }

  @Override
  public boolean isDone() {
    return f.isDone();
  }

  @Override
  public Throwable exception() {
    if (!f.isCompletedExceptionally()) {
      return null;
    }
    try {
      f.join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    } catch (CancellationException e) {
      return e;
    }
  }

  private static RuntimeException rethrow(Throwable c) {
    if (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof CommunicatorException ce) {
      return new CommunicatorException(ce.getMessage(), ce);
    }
    if (c instanceof RuntimeException re) {
      return re;
    }
    return new CommunicatorException(String.valueOf(c), c);
  }
}
