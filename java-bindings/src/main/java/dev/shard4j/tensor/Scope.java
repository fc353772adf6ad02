package dev.shard4j.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Owns every tensor created on the current thread while it is open, and closes them when it closes, innermost
 * first. Scopes nest; {@link #keep(Tensor)} moves a result out to the enclosing scope (or to the caller, when there is
 * none), so a function can free its temporaries and return its output. A scope belongs to the thread that opened it.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open()) {
 *   Tensor x = Tensor.fromArray(data, 4, 8);
 *   Tensor y = Ops.gelu(x);
 *   result = scope.keep(Ops.sum(y, 1));
 * } // x and y are freed here
 * }</pre>
 */
public final class Scope implements AutoCloseable {
  private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

  private final Scope parent;
  private final Thread owner;
  private final List<Tensor> owned = new ArrayList<>();
  private boolean closed;

  private Scope(Scope parent) {
    this.parent = parent;
    this.owner = Thread.currentThread();
  }

  /** Opens a scope nested in the current thread's innermost scope. */
  public static Scope open() {
    Scope s = new Scope(CURRENT.get());
    CURRENT.set(s);
    return s;
  }

  /** The innermost open scope of the current thread, or null. */
  public static Scope current() {
    return CURRENT.get();
  }

  static void register(Tensor t) {
    Scope s = CURRENT.get();
    if (s != null) {
      s.owned.add(t);
    }
  }

  /** Moves {@code t} from this scope to the enclosing one (or releases ownership to the caller) and returns it. */
  public <T extends Tensor> T keep(T t) {
    checkOwner("keep");
    if (owned.remove(t) && parent != null) {
      parent.owned.add(t);
    }
    return t;
  }

  /** Number of tensors this scope currently owns. */
  public int size() {
    return owned.size();
  }

  private void checkOwner(String op) {
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException("Scope." + op + ": scope belongs to thread " + owner.getName()
          + ", called from " + Thread.currentThread().getName());
    }
    if (closed) {
      throw new IllegalStateException("Scope." + op + ": scope is closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    checkOwner("close");
    if (CURRENT.get() != this) {
      throw new IllegalStateException("Scope.close: an inner scope is still open; close scopes innermost first");
    }
    closed = true;
    CURRENT.set(parent);
    for (int i = owned.size() - 1; i >= 0; i--) {
      owned.get(i).close();
    }
    owned.clear();
  }
}
