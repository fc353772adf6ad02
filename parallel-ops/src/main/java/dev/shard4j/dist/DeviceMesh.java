package dev.shard4j.dist;

import dev.shard4j.collectives.Communicator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An n-dimensional array of ranks with named axes (for example {@code dp} x {@code tp}), laid out row-major over the
 * ranks of a parent {@link Communicator}: rank {@code r} of the parent sits at the coordinate whose row-major index is
 * {@code r}. For each axis the mesh holds a sub-communicator joining this rank with the ranks that differ from it
 * only along that axis; the rank of this process in that group is its coordinate on the axis.
 *
 * <p>Creation ({@link #create}) and {@link #subMesh}/{@link #slice} are collective: every rank of the parent calls
 * them in the same order with the same arguments. The mesh owns the sub-communicators it creates and closes them in
 * {@link #close()}; it never closes the parent. A mesh is used by its rank's thread, like its communicators.
 */
public final class DeviceMesh implements AutoCloseable {
  private final Communicator parent;
  private final int[] shape;
  private final List<String> names;
  private final int[] coord;
  private final Communicator[] axisComms;
  private final List<Communicator> owned;
  private boolean closed;

  private DeviceMesh(Communicator parent, int[] shape, List<String> names, Communicator[] axisComms,
      List<Communicator> owned) {
    this.parent = parent;
    this.shape = shape;
    this.names = names;
    this.coord = unravel(parent.rank(), shape);
    this.axisComms = axisComms;
    this.owned = owned;
  }

  /**
   * Collective over {@code comm}: builds a mesh of the given shape and axis names over its ranks, splitting one
   * sub-communicator per axis. The product of {@code shape} must equal {@code comm.size()}; names must be distinct
   * and non-empty, one per axis. The caller keeps ownership of {@code comm}, which must outlive the mesh.
   */
  public static DeviceMesh create(Communicator comm, int[] shape, String... axisNames) {
    if (comm == null) {
      throw new IllegalArgumentException("DeviceMesh.create: communicator is null");
    }
    int[] s = checkShape(comm.size(), shape, axisNames);
    return build(comm, s, List.of(axisNames), new ArrayList<>());
  }

  /** A 1-D mesh over all ranks of {@code comm} with the single axis {@code axisName}; collective like {@link #create}. */
  public static DeviceMesh create1d(Communicator comm, String axisName) {
    return create(comm, new int[] {comm.size()}, axisName);
  }

  private static DeviceMesh build(Communicator comm, int[] shape, List<String> names, List<Communicator> owned) {
    Communicator[] axisComms = new Communicator[shape.length];
    int[] c = unravel(comm.rank(), shape);
    try {
      for (int a = 0; a < shape.length; a++) {
        int[] others = c.clone();
        others[a] = 0;
        Communicator sub = comm.split(ravel(others, shape), c[a]);
        owned.add(sub);
        axisComms[a] = sub;
      }
    } catch (RuntimeException e) {
      owned.forEach(Communicator::close);
      throw e;
    }
    return new DeviceMesh(comm, shape, names, axisComms, owned);
  }

  private static int[] checkShape(int commSize, int[] shape, String[] names) {
    if (shape == null || shape.length == 0) {
      throw new IllegalArgumentException("DeviceMesh.create: the mesh needs at least one axis");
    }
    if (names == null || names.length != shape.length) {
      throw new IllegalArgumentException("DeviceMesh.create: shape " + Arrays.toString(shape) + " has " + shape.length
          + " axes but " + (names == null ? 0 : names.length) + " axis names were given: " + Arrays.toString(names));
    }
    Set<String> seen = new HashSet<>();
    for (String n : names) {
      if (n == null || n.isBlank()) {
        throw new IllegalArgumentException("DeviceMesh.create: axis names must be non-empty, got "
            + Arrays.toString(names));
      }
      if (!seen.add(n)) {
        throw new IllegalArgumentException("DeviceMesh.create: duplicate axis name '" + n + "' in "
            + Arrays.toString(names));
      }
    }
    long product = 1;
    for (int d : shape) {
      if (d < 1) {
        throw new IllegalArgumentException("DeviceMesh.create: axis sizes must be >= 1, got " + Arrays.toString(shape));
      }
      product *= d;
    }
    if (product != commSize) {
      throw new IllegalArgumentException("DeviceMesh.create: mesh shape " + Arrays.toString(shape) + " holds "
          + product + " ranks, but the communicator has " + commSize);
    }
    return shape.clone();
  }

  /** The number of mesh axes. */
  public int ndim() {
    return shape.length;
  }

  /** The size of every axis (a copy). */
  public int[] shape() {
    return shape.clone();
  }

  /** The total number of ranks. */
  public int size() {
    return parent.size();
  }

  /** The axis names, in axis order (an immutable list). */
  public List<String> axisNames() {
    return names;
  }

  /** The index of the axis called {@code name}; throws naming the known axes when there is none. */
  public int axis(String name) {
    int i = names.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("DeviceMesh: unknown axis '" + name + "', the axes are " + names);
    }
    return i;
  }

  /** The size of axis {@code axis}. */
  public int axisSize(int axis) {
    return shape[checkAxis(axis)];
  }

  /** The size of the axis called {@code name}. */
  public int axisSize(String name) {
    return shape[axis(name)];
  }

  /** This rank's rank in the parent communicator. */
  public int rank() {
    return parent.rank();
  }

  /** This rank's coordinate (a copy). */
  public int[] coordinate() {
    return coord.clone();
  }

  /** This rank's coordinate along {@code axis}, equal to its rank in {@link #axisCommunicator(int)}. */
  public int coordinate(int axis) {
    return coord[checkAxis(axis)];
  }

  /** This rank's coordinate along the axis called {@code name}. */
  public int coordinate(String name) {
    return coord[axis(name)];
  }

  /** The parent rank at {@code coordinate} (row-major). */
  public int rankAt(int... coordinate) {
    if (coordinate.length != shape.length) {
      throw new IllegalArgumentException("DeviceMesh.rankAt: coordinate " + Arrays.toString(coordinate) + " has "
          + coordinate.length + " entries, the mesh " + this + " has " + shape.length + " axes");
    }
    for (int a = 0; a < shape.length; a++) {
      if (coordinate[a] < 0 || coordinate[a] >= shape[a]) {
        throw new IllegalArgumentException("DeviceMesh.rankAt: coordinate " + Arrays.toString(coordinate)
            + " is outside the mesh " + this);
      }
    }
    return ravel(coordinate, shape);
  }

  /**
   * The parent ranks of the group of {@code axis} that this rank belongs to, in group-rank order (the order of the
   * coordinate along the axis).
   */
  public int[] axisGroup(int axis) {
    int a = checkAxis(axis);
    int[] out = new int[shape[a]];
    int[] c = coord.clone();
    for (int i = 0; i < shape[a]; i++) {
      c[a] = i;
      out[i] = ravel(c, shape);
    }
    return out;
  }

  /** The communicator of this rank's group along {@code axis}; owned by the mesh, do not close it. */
  public Communicator axisCommunicator(int axis) {
    checkOpen("axisCommunicator");
    return axisComms[checkAxis(axis)];
  }

  /** The communicator of this rank's group along the axis called {@code name}; owned by the mesh. */
  public Communicator axisCommunicator(String name) {
    return axisCommunicator(axis(name));
  }

  /** The communicator over all ranks of the mesh (the parent; not owned by the mesh). */
  public Communicator communicator() {
    return parent;
  }

  /**
   * Collective: the sub-mesh made of the given axes (in the order given) through this rank, that is the ranks whose
   * coordinates on the other axes equal this rank's. For one axis it is the 1-D mesh over that axis's group. The
   * caller owns the result and must close it (before or after this mesh).
   */
  public DeviceMesh subMesh(String... axisNames) {
    checkOpen("subMesh");
    if (axisNames.length == 0) {
      throw new IllegalArgumentException("DeviceMesh.subMesh: needs at least one axis, the axes are " + names);
    }
    int[] keep = new int[axisNames.length];
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < axisNames.length; i++) {
      keep[i] = axis(axisNames[i]);
      if (!seen.add(keep[i])) {
        throw new IllegalArgumentException("DeviceMesh.subMesh: axis '" + axisNames[i] + "' repeats in "
            + Arrays.toString(axisNames));
      }
    }
    int[] dropped = coord.clone();
    int[] subShape = new int[keep.length];
    int key = 0;
    for (int i = 0; i < keep.length; i++) {
      dropped[keep[i]] = 0;
      subShape[i] = shape[keep[i]];
      key = key * shape[keep[i]] + coord[keep[i]];
    }
    Communicator sub = parent.split(ravel(dropped, shape), key);
    return ownedMesh(sub, subShape, List.of(axisNames));
  }

  /**
   * Collective: the mesh of the ranks whose coordinate along {@code axisName} is {@code index} (for example one
   * pipeline stage), with the remaining axes. Ranks outside the slice take part in the call and get {@code null}.
   * The mesh must have at least two axes. The caller owns the result and must close it.
   */
  public DeviceMesh slice(String axisName, int index) {
    checkOpen("slice");
    int a = axis(axisName);
    if (shape.length < 2) {
      throw new IllegalArgumentException("DeviceMesh.slice: cannot slice the only axis '" + axisName + "' of " + this
          + "; use the communicator directly");
    }
    if (index < 0 || index >= shape[a]) {
      throw new IllegalArgumentException("DeviceMesh.slice: index " + index + " is outside axis '" + axisName
          + "' of size " + shape[a] + " in " + this);
    }
    int[] subShape = new int[shape.length - 1];
    List<String> subNames = new ArrayList<>();
    for (int i = 0, j = 0; i < shape.length; i++) {
      if (i != a) {
        subShape[j++] = shape[i];
        subNames.add(names.get(i));
      }
    }
    boolean inside = coord[a] == index;
    Communicator sub = parent.split(inside ? 0 : -1, parent.rank());
    return inside ? ownedMesh(sub, subShape, List.copyOf(subNames)) : null;
  }

  private static DeviceMesh ownedMesh(Communicator sub, int[] subShape, List<String> subNames) {
    List<Communicator> owned = new ArrayList<>();
    owned.add(sub);
    try {
      return build(sub, subShape, subNames, owned);
    } catch (RuntimeException e) {
      sub.close();
      throw e;
    }
  }

  /** Closes the sub-communicators this mesh created; idempotent. The parent communicator stays open. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (int i = owned.size() - 1; i >= 0; i--) {
      owned.get(i).close();
    }
  }

  /** Short description such as {@code DeviceMesh(dp=2, tp=2)}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("DeviceMesh(");
    for (int i = 0; i < shape.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(names.get(i)).append('=').append(shape[i]);
    }
    return sb.append(')').toString();
  }

  private int checkAxis(int axis) {
    if (axis < 0 || axis >= shape.length) {
      throw new IllegalArgumentException("DeviceMesh: axis " + axis + " is outside [0, " + shape.length + ") of "
          + this);
    }
    return axis;
  }

  private void checkOpen(String op) {
    if (closed) {
      throw new IllegalStateException("DeviceMesh." + op + ": mesh " + this + " is closed");
    }
  }

  static int[] unravel(int index, int[] shape) {
    int[] c = new int[shape.length];
    for (int a = shape.length - 1; a >= 0; a--) {
      c[a] = index % shape[a];
      index /= shape[a];
    }
    return c;
  }

  static int ravel(int[] coordinate, int[] shape) {
    int r = 0;
    for (int a = 0; a < shape.length; a++) {
      r = r * shape[a] + coordinate[a];
    }
    return r;
  }
}
