package dev.shard4j.layers;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer: named parameters and child modules, listed in a deterministic order (registration order, depth first),
 * so every rank and every run sees the same list. A module owns its parameters and children and frees them in
 * {@link #close()}. Build modules outside any short-lived {@code Scope}. A module belongs to one rank's thread.
 */
public abstract class Module implements AutoCloseable {
  private final String name;
  /** The factory this module's parameters come from. */
  protected final ParameterFactory factory;
  private final List<Object> members = new ArrayList<>();
  private final Map<Parameter, ParameterSharding> shardings = new IdentityHashMap<>();
  private boolean closed;

  /** A module whose parameters are named {@code name + "." + local} ({@code local} alone when name is empty). */
  protected Module(ParameterFactory factory, String name) {
    this.factory = factory;
    this.name = name;
  }

  /** The module's full name, e.g. {@code blocks.0.attn}. */
  public String name() {
    return name;
  }

  /** The tensor-parallel group of this module. */
  public TensorParallel tensorParallel() {
    return factory.tensorParallel();
  }

  /** The full name of a child or parameter called {@code local}. */
  protected String qualify(String local) {
    return name.isEmpty() ? local : name + "." + local;
  }

  /** Creates and registers the parameter {@code local} (full shape; this rank gets its shard). */
  protected Parameter parameter(String local, Shape fullShape, ParameterInit init, ParameterSharding sharding) {
    Parameter p = factory.create(qualify(local), fullShape, init, sharding);
    members.add(p);
    shardings.put(p, sharding);
    return p;
  }

  /** Registers {@code module} as a child: its parameters follow those registered before it. */
  protected <M extends Module> M child(M module) {
    members.add(module);
    return module;
  }

  /** Every parameter of this module and its children, in registration order. */
  public List<Parameter> parameters() {
    List<Parameter> out = new ArrayList<>();
    collect(out);
    return out;
  }

  private void collect(List<Parameter> out) {
    for (Object m : members) {
      if (m instanceof Parameter p) {
        out.add(p);
      } else {
        ((Module) m).collect(out);
      }
    }
  }

  /** The parameters by full name, in {@link #parameters()} order. */
  public Map<String, Parameter> namedParameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    for (Parameter p : parameters()) {
      out.put(p.name(), p);
    }
    return out;
  }

  /** How {@code p} (a parameter of this module or a child) is split over the tensor-parallel group. */
  public ParameterSharding sharding(Parameter p) {
    ParameterSharding s = shardings.get(p);
    if (s != null) {
      return s;
    }
    for (Object m : members) {
      if (m instanceof Module child) {
        ParameterSharding c = child.findSharding(p);
        if (c != null) {
          return c;
        }
      }
    }
    throw new IllegalArgumentException("sharding: " + p + " is not a parameter of module '" + name + "'");
  }

  private ParameterSharding findSharding(Parameter p) {
    ParameterSharding s = shardings.get(p);
    if (s != null) {
      return s;
    }
    for (Object m : members) {
      if (m instanceof Module child) {
        ParameterSharding c = child.findSharding(p);
        if (c != null) {
          return c;
        }
      }
    }
    return null;
  }

  /** Zeroes the gradient of every parameter. */
  public void zeroGrad() {
    for (Parameter p : parameters()) {
      p.zeroGrad();
    }
  }

  /** Frees every parameter and child; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Object m : members) {
      if (m instanceof Parameter p) {
        p.close();
      } else {
        ((Module) m).close();
      }
    }
  }
}
