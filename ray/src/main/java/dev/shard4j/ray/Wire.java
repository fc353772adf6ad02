package dev.shard4j.ray;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.util.List;

/**
 * What the driver and the rank actors exchange through Ray: plain byte arrays holding Java-serialized values, so
 * Ray only ever carries bytes and strings and the classes resolve through this module's class loader on both
 * sides.
 */
final class Wire {
  private Wire() {}

  /** What rank {@code rank} needs to join and run the job. */
  record StartRequest(int rank, int size, String storeAddress, String token, String bindAddress, byte[] function,
      int[] meshShape, String[] axisNames, String device, long collectiveTimeoutMs, int threads)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** The state of one rank, as a poll returns it. */
  enum State { IDLE, RUNNING, SUCCEEDED, FAILED }

  /**
   * A rank's answer to a poll: its state, the progress reports recorded since the poll's index, its result bytes
   * when it succeeded, and when it failed the error text and whether the error is a communicator failure (likely
   * caused by another rank).
   */
  record Status(State state, List<Progress> events, byte[] result, String error, boolean communicatorFailure)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  static byte[] toBytes(Object value, String what) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " cannot be serialized for Ray (" + e
          + "); it and everything it captures must be Serializable", e);
    }
    return bytes.toByteArray();
  }

  static Object fromBytes(byte[] bytes, String what) {
    try (ObjectInputStream in = new ClassLoaderObjectInputStream(new ByteArrayInputStream(bytes))) {
      return in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException(what + " cannot be deserialized (" + e + "); is its class on the Ray"
          + " workers' code search path?", e);
    }
  }

  /** Resolves classes through the loader of this module (Ray loads job code through its own class loader). */
  private static final class ClassLoaderObjectInputStream extends ObjectInputStream {
    ClassLoaderObjectInputStream(InputStream in) throws IOException {
      super(in);
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      ClassLoader context = Thread.currentThread().getContextClassLoader();
      for (ClassLoader loader : new ClassLoader[] {Wire.class.getClassLoader(), context}) {
        if (loader == null) {
          continue;
        }
        try {
          return Class.forName(desc.getName(), false, loader);
        } catch (ClassNotFoundException e) {
          // try the next loader
        }
      }
      return super.resolveClass(desc);
    }
  }
}
