package dev.shard4j.bench.collectives;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.Tensor;

/**
 * The collectives {@link CollectivePerf} measures, with nccl-tests' element counts ({@code *GetCollByteCount}) and
 * bus-bandwidth factors ({@code doc/PERFORMANCE.md}). Counts are per rank; {@code count} is the requested size in
 * bytes divided by the element size. Immutable; any thread.
 */
enum Collective {
  ALL_REDUCE("all_reduce", true, false, true, true),
  ALL_GATHER("all_gather", false, false, true, true),
  REDUCE_SCATTER("reduce_scatter", true, false, true, true),
  BROADCAST("broadcast", false, true, false, true),
  REDUCE("reduce", true, true, false, true),
  ALL_TO_ALL("all_to_all", false, false, true, false);

  /** The name used on the command line and in the output, as nccl-tests' binary names without {@code _perf}. */
  final String label;
  /** Whether the collective takes a reduce op (otherwise the redop column reads {@code none}). */
  final boolean reduces;
  /** Whether the collective has a root (otherwise the root column reads -1). */
  final boolean rooted;
  /** Whether the Communicator API has an out-of-place form of it. */
  final boolean outOfPlace;
  /** Whether the Communicator API has an in-place form of it. */
  final boolean inPlace;

  Collective(String label, boolean reduces, boolean rooted, boolean outOfPlace, boolean inPlace) {
    this.label = label;
    this.reduces = reduces;
    this.rooted = rooted;
    this.outOfPlace = outOfPlace;
    this.inPlace = inPlace;
  }

  static Collective parse(String s) {
    for (Collective c : values()) {
      if (c.label.equals(s) || c.name().equalsIgnoreCase(s) || c.label.replace("_", "").equals(s)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown collective '" + s + "'; expected one of all_reduce, all_gather, "
        + "reduce_scatter, broadcast, reduce, all_to_all, all");
  }

  /**
   * nccl-tests' per-peer "paramcount": the element count passed to the collective call. Collectives that split a
   * buffer into {@code ranks} chunks round the chunk down to a multiple of 16 bytes, as nccl-tests does.
   */
  long paramCount(long count, int elementSize, int ranks) {
    return switch (this) {
      case ALL_REDUCE, BROADCAST, REDUCE -> count;
      case ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL -> (count / ranks) & ~(16L / elementSize - 1);
    };
  }

  /** Elements of each rank's send buffer. */
  long sendCount(long param, int ranks) {
    return switch (this) {
      case ALL_REDUCE, BROADCAST, REDUCE, ALL_GATHER -> param;
      case REDUCE_SCATTER, ALL_TO_ALL -> param * ranks;
    };
  }

  /** Elements of each rank's receive buffer. */
  long recvCount(long param, int ranks) {
    return switch (this) {
      case ALL_REDUCE, BROADCAST, REDUCE, REDUCE_SCATTER -> param;
      case ALL_GATHER, ALL_TO_ALL -> param * ranks;
    };
  }

  /** The bytes S that algbw = S / t divides (nccl-tests' {@code *GetBw}). */
  double algBytes(long param, int elementSize, int ranks) {
    return switch (this) {
      case ALL_REDUCE, BROADCAST, REDUCE -> (double) param * elementSize;
      case ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL -> (double) param * elementSize * ranks;
    };
  }

  /** busbw = algbw * factor (nccl-tests' {@code doc/PERFORMANCE.md}). */
  double busFactor(int ranks) {
    return switch (this) {
      case ALL_REDUCE -> 2.0 * (ranks - 1) / ranks;
      case ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL -> (double) (ranks - 1) / ranks;
      case BROADCAST, REDUCE -> 1.0;
    };
  }

  /** One out-of-place call: {@code send} and {@code recv} are this rank's buffers of the sizes above. */
  void runOutOfPlace(Communicator c, Tensor send, Tensor recv, ReduceOp op) {
    switch (this) {
      case ALL_REDUCE -> c.allReduce(send, recv, op);
      case ALL_GATHER -> c.allGather(send, recv);
      case REDUCE_SCATTER -> c.reduceScatter(send, recv, op);
      case ALL_TO_ALL -> c.allToAll(send, recv);
      default -> throw new UnsupportedOperationException(label + ": the Communicator API has no out-of-place form");
    }
  }

  /**
   * One in-place call on {@code buf}, the larger of the two buffers (nccl-tests' in-place layout: all-gather's
   * input is chunk {@code rank} of its output, reduce-scatter's output is chunk {@code rank} of its input).
   */
  void runInPlace(Communicator c, Tensor buf, InPlaceView view, ReduceOp op, int root) {
    switch (this) {
      case ALL_REDUCE -> c.allReduce(buf, op);
      case ALL_GATHER -> c.allGather(view.chunk, buf);
      case REDUCE_SCATTER -> c.reduceScatter(buf, view.chunk, op);
      case BROADCAST -> c.broadcast(buf, root);
      case REDUCE -> c.reduce(buf, root, op);
      default -> throw new UnsupportedOperationException(label + ": the Communicator API has no in-place form");
    }
  }

  /** The chunk of the in-place buffer that all-gather reads and reduce-scatter writes; owns the view. */
  static final class InPlaceView implements AutoCloseable {
    final Tensor chunk;

    InPlaceView(Collective c, Tensor buf, long param, int rank) {
      this.chunk = c == ALL_GATHER || c == REDUCE_SCATTER ? buf.slice(0, rank * param, (rank + 1) * param) : null;
    }

    @Override
    public void close() {
      if (chunk != null) {
        chunk.close();
      }
    }
  }
}
