package dev.shard4j.tensorparallel;

import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.Communicator;

/**
 * The tensor-parallel group a model is built for: the communicator of the ranks that split each layer's weights
 * (Megatron's tensor-model-parallel group) and whether activations outside the tensor-parallel regions are also
 * split along the sequence (sequence parallelism). {@link #single()} is the one-rank group: every mapping is then
 * the identity and no collective is issued, so single-device models run the same code.
 *
 * <p>Layers never branch on the parallel mode; they call {@link #enterRegion}, {@link #exitRegion} and
 * {@link #replicatedParameter}, which pick the mapping:
 *
 * <pre>
 *                     enterRegion (before a column-    exitRegion (after a row-       replicatedParameter
 *                     parallel op)                     parallel op)                   (LN weights, row biases, wpe)
 * tensor parallel     copyToRegion: fwd id, bwd AR     reduceFromRegion: fwd AR       identity
 * + sequence par.     allGatherSequence: fwd AG, bwd RS reduceScatterSequence: fwd RS  copyToRegion: grads of a
 *                                                      bwd AG                         sequence shard are summed
 * </pre>
 *
 * <p>The context does not own the communicator. It is immutable; it belongs to the rank thread that uses the
 * communicator.
 */
public final class TensorParallel {
  private static final TensorParallel SINGLE = new TensorParallel(null, false);

  private final Communicator comm;
  private final boolean sequenceParallel;

  private TensorParallel(Communicator comm, boolean sequenceParallel) {
    this.comm = comm;
    this.sequenceParallel = sequenceParallel;
  }

  /** The one-rank group: no communication. */
  public static TensorParallel single() {
    return SINGLE;
  }

  /** Tensor parallelism over {@code comm}'s ranks, with sequence parallelism when {@code sequenceParallel}. */
  public static TensorParallel of(Communicator comm, boolean sequenceParallel) {
    if (comm == null) {
      throw new IllegalArgumentException("TensorParallel: communicator is null (use TensorParallel.single())");
    }
    return new TensorParallel(comm, sequenceParallel);
  }

  /** Number of ranks in the group (1 for {@link #single()}). */
  public int size() {
    return comm == null ? 1 : comm.size();
  }

  /** This rank's index in the group. */
  public int rank() {
    return comm == null ? 0 : comm.rank();
  }

  /** Whether activations outside the tensor-parallel regions are split along the sequence. */
  public boolean sequenceParallel() {
    return sequenceParallel && size() > 1;
  }

  /** The group's communicator, or null for {@link #single()}. */
  public Communicator communicator() {
    return comm;
  }

  /** Whether collectives are needed at all. */
  boolean active() {
    return comm != null && comm.size() > 1;
  }

  /** Throws "{what}={value} is not divisible by tp={size}" unless the size divides value. */
  public void requireDivisible(String what, long value) {
    if (value % size() != 0) {
      throw new IllegalArgumentException(what + "=" + value + " is not divisible by tp=" + size());
    }
  }

  /** This rank's share of a dimension of {@code total} (checked for divisibility, named {@code what}). */
  public long localSize(String what, long total) {
    requireDivisible(what, total);
    return total / size();
  }

  /** Moves an activation into a tensor-parallel region (input of a column-parallel op): see the class table. */
  public Variable enterRegion(Variable x) {
    return sequenceParallel() ? Mappings.allGatherSequence(this, x) : Mappings.copyToRegion(this, x);
  }

  /** Leaves a tensor-parallel region (partial sums of a row-parallel op): see the class table. */
  public Variable exitRegion(Variable x) {
    return sequenceParallel() ? Mappings.reduceScatterSequence(this, x) : Mappings.reduceFromRegion(this, x);
  }

  /**
   * A replicated parameter used on this rank's activations outside the regions: with sequence parallelism each rank
   * sees a different sequence shard, so its gradient is summed over the group on the way back.
   */
  public Variable replicatedParameter(Variable p) {
    return sequenceParallel() ? Mappings.copyToRegion(this, p) : p;
  }

  /** The first sequence position this rank's activations hold, for a sequence of {@code seqLen}. */
  public long sequenceStart(long seqLen) {
    return sequenceParallel() ? rank() * localSize("seq", seqLen) : 0;
  }

  /** The number of sequence positions this rank's activations hold. */
  public long localSequence(long seqLen) {
    return sequenceParallel() ? localSize("seq", seqLen) : seqLen;
  }

  @Override
  public String toString() {
    return "TensorParallel(tp=" + size() + ", rank=" + rank() + (sequenceParallel() ? ", sp" : "") + ")";
  }
}
