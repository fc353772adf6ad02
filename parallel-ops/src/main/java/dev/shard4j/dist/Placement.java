package dev.shard4j.dist;

import dev.shard4j.collectives.ReduceOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a tensor is laid out along one axis of a {@link DeviceMesh}: {@link Shard} (split along a tensor dimension),
 * {@link Replicate} (every coordinate holds the same values) or {@link Partial} (every coordinate holds a partial
 * value; the tensor is their reduction). Placements are immutable values with short names: {@code S(0)}, {@code R},
 * {@code P} (a sum) and {@code P(avg)}, {@code P(max)}, {@code P(min)}; {@link #parse} reads them back. Any thread
 * may use them.
 */
public sealed interface Placement permits Placement.Shard, Placement.Replicate, Placement.Partial {

  /** {@code Shard(dim)}. */
  static Shard shard(int dim) {
    return new Shard(dim);
  }

  /** {@code Replicate}. */
  static Replicate replicate() {
    return Replicate.INSTANCE;
  }

  /** {@code Partial(sum)}. */
  static Partial partial() {
    return Partial.SUM;
  }

  /** {@code Partial(op)}; op is SUM, AVG, MAX or MIN. */
  static Partial partial(ReduceOp op) {
    return new Partial(op);
  }

  /** True for {@link Shard} placements. */
  default boolean isShard() {
    return this instanceof Shard;
  }

  /** True for a {@link Shard} of tensor dimension {@code dim}. */
  default boolean isShard(int dim) {
    return this instanceof Shard s && s.dim() == dim;
  }

  /** True for {@link Replicate}. */
  default boolean isReplicate() {
    return this instanceof Replicate;
  }

  /** True for {@link Partial} placements of any reduction. */
  default boolean isPartial() {
    return this instanceof Partial;
  }

  /**
   * Parses one short or long name: {@code S(1)} / {@code Shard(1)}, {@code R} / {@code Replicate}, {@code P} /
   * {@code Partial} / {@code P(sum)} / {@code P(avg)} / {@code P(max)} / {@code P(min)}. Whitespace is ignored.
   */
  static Placement parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("Placement.parse: text is null");
    }
    String s = text.replaceAll("\\s+", "");
    if (s.equals("R") || s.equals("Replicate") || s.equals("Replicate()")) {
      return Replicate.INSTANCE;
    }
    if (s.equals("P") || s.equals("Partial") || s.equals("Partial()")) {
      return Partial.SUM;
    }
    String arg = argument(s, "S", "Shard");
    if (arg != null) {
      try {
        return new Shard(Integer.parseInt(arg));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Placement.parse: shard dimension '" + arg + "' in '" + text
            + "' is not an integer");
      }
    }
    arg = argument(s, "P", "Partial");
    if (arg != null) {
      ReduceOp op;
      try {
        op = ReduceOp.valueOf(arg.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("Placement.parse: unknown reduction '" + arg + "' in '" + text
            + "' (expected sum, avg, max or min)");
      }
      return new Partial(op);
    }
    throw new IllegalArgumentException("Placement.parse: '" + text
        + "' is not a placement (expected S(dim), R, P or P(sum|avg|max|min))");
  }

  /** Parses a comma-separated list such as {@code "S(0), R"} or {@code "[P, S(1)]"}; one placement per mesh axis. */
  static List<Placement> parseList(String text) {
    String s = text.trim();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    List<Placement> out = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i <= s.length(); i++) {
      char c = i < s.length() ? s.charAt(i) : ',';
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        String part = s.substring(start, i).trim();
        if (part.isEmpty()) {
          throw new IllegalArgumentException("Placement.parseList: empty entry in '" + text + "'");
        }
        out.add(parse(part));
        start = i + 1;
      }
    }
    return List.copyOf(out);
  }

  private static String argument(String s, String shortName, String longName) {
    for (String name : new String[] {shortName, longName}) {
      if (s.startsWith(name + "(") && s.endsWith(")")) {
        return s.substring(name.length() + 1, s.length() - 1);
      }
    }
    return null;
  }

  /** Split along tensor dimension {@code dim} into ceil-sized chunks, one per mesh coordinate ({@code S(dim)}). */
  record Shard(int dim) implements Placement {
    /** Checks that {@code dim} is not negative. */
    public Shard {
      if (dim < 0) {
        throw new IllegalArgumentException("Shard: dimension must be >= 0, got " + dim);
      }
    }

    @Override
    public String toString() {
      return "S(" + dim + ")";
    }
  }

  /** Every coordinate holds the whole (logical) tensor ({@code R}). */
  record Replicate() implements Placement {
    static final Replicate INSTANCE = new Replicate();

    @Override
    public String toString() {
      return "R";
    }
  }

  /**
   * Every coordinate holds a partial value of the same shape; the tensor is their element-wise reduction by
   * {@code op} ({@code P} for a sum, {@code P(avg)}, {@code P(max)}, {@code P(min)}). PROD is not supported.
   */
  record Partial(ReduceOp op) implements Placement {
    static final Partial SUM = new Partial(ReduceOp.SUM);

    /** Checks that {@code op} is SUM, AVG, MAX or MIN. */
    public Partial {
      if (op == null || op == ReduceOp.PROD) {
        throw new IllegalArgumentException("Partial: reduction must be SUM, AVG, MAX or MIN, got " + op);
      }
    }

    @Override
    public String toString() {
      return op == ReduceOp.SUM ? "P" : "P(" + op.name().toLowerCase(Locale.ROOT) + ")";
    }
  }
}
