package dev.shard4j.pipeline;

import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.Work;
import dev.shard4j.pipeline.Instruction.Op;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one rank's program of a {@link Schedule} for one training step: receives, forwards, sends, backwards and
 * frees micro-batches on its model chunks, and calls back for the step-wide instructions. Activations go to the
 * next virtual stage with asynchronous sends on the boundary's activation channel; gradients come back on the
 * gradient channel. Each finished receive pre-posts the next one on its channel (asynchronously, when its
 * micro-batch can hold it), so data lands while the rank computes; a receive waits only if its data is late. The
 * head stage back-propagates each micro-batch's
 * loss scaled by {@code 1/m}, so the accumulated gradients are those of the mean over the whole batch. Records a
 * {@link TraceEvent} per instruction and the peak number of micro-batches (and tensors) held. Owns its slots
 * (close it), not the stages or groups; one rank's thread.
 */
public final class PipelineExecutor implements AutoCloseable {
  /** What the executor cannot do itself: the step-wide instructions. */
  public interface StepHooks {
    /** Reduces the accumulated gradients (data parallel, tied parameters). */
    void reduceGradients();

    /** Clips and applies the optimizer. */
    void optimizerStep();
  }

  private final Schedule schedule;
  private final List<GptStage> chunks;
  private final PipelineGroups groups;
  private final StepHooks hooks;
  private final Device device;
  private final int stage;
  private final int rank;
  private final Map<Long, MicroBatchSlot> live = new HashMap<>();
  private final ArrayDeque<MicroBatchSlot> idle = new ArrayDeque<>();
  private final List<TraceEvent> trace = new ArrayList<>();
  private final List<PendingSend> outbox = new ArrayList<>();
  private final Map<Instruction, Posted> posted = new HashMap<>();
  private int slotsMade;
  private int forwarded;
  private int peakMicroBatches;
  private int peakHeldTensors;
  private boolean countTensors;

  /**
   * An executor for pipeline stage {@code groups.stage()}, whose chunk c runs virtual stage
   * {@code schedule.virtualStage(stage, c)}; {@code chunks.get(c)} is that stage's layers.
   */
  public PipelineExecutor(Schedule schedule, List<GptStage> chunks, PipelineGroups groups, int worldRank,
      StepHooks hooks, Device device) {
    if (chunks.size() != schedule.chunks()) {
      throw new IllegalArgumentException("PipelineExecutor: " + chunks.size() + " model chunks for " + schedule);
    }
    this.schedule = schedule;
    this.chunks = List.copyOf(chunks);
    this.groups = groups;
    this.hooks = hooks;
    this.device = device;
    this.stage = groups.stage();
    this.rank = worldRank;
  }

  /** Also counts the tensors held by live micro-batches after every forward (costs a little time). */
  public void setCountTensors(boolean on) {
    countTensors = on;
  }

  /**
   * Runs this rank's program for step {@code step} on micro-batches {@code ids[mb]}, {@code targets[mb]} (each
   * (B_mb, T) i32; the caller owns them). Returns the sum over micro-batches of the loss divided by m on a rank
   * whose chunks include the head, else 0.
   */
  public double runStep(int step, Tensor[] ids, Tensor[] targets) {
    if (ids.length != schedule.microBatches() || targets.length != ids.length) {
      throw new IllegalArgumentException("PipelineExecutor.runStep: " + ids.length + " id and " + targets.length
          + " target micro-batches for " + schedule);
    }
    double[] loss = new double[1];
    try {
      List<Instruction> program = schedule.program(stage);
      for (int i = 0; i < program.size(); i++) {
        Instruction in = program.get(i);
        long t0 = System.nanoTime();
        execute(in, ids, targets, loss);
        trace.add(new TraceEvent(rank, stage, step, in, t0, System.nanoTime()));
        if (in.op() == Op.RECV_ACT || in.op() == Op.RECV_GRAD) {
          prePostNext(program, i, ids);
        }
        drainOutbox(false);
      }
    } finally {
      drainOutbox(true);
    }
    if (!live.isEmpty()) {
      throw new IllegalStateException("PipelineExecutor: " + live.size() + " micro-batches were not freed by "
          + schedule);
    }
    return loss[0];
  }

  private void execute(Instruction in, Tensor[] ids, Tensor[] targets, double[] loss) {
    Op op = in.op();
    if (op == Op.REDUCE_GRADS) {
      hooks.reduceGradients();
      return;
    }
    if (op == Op.OPTIMIZER_STEP) {
      hooks.optimizerStep();
      return;
    }
    int c = in.chunk();
    int mb = in.microBatch();
    int vs = schedule.virtualStage(stage, c);
    GptStage chunk = chunks.get(c);
    MicroBatchSlot slot = slot(c, mb, op == Op.RECV_ACT || (op == Op.FORWARD && vs == 0));
    int m = schedule.microBatches();
    switch (op) {
      case RECV_ACT -> slot.input = Variable.leaf(receive(in, slot, ids), true);
      case FORWARD -> {
        slot.run(() -> {
          slot.output = chunk.forward(slot.input, ids[mb], targets[mb]);
          if (chunk.hasHead()) {
            loss[0] += slot.output.value().item() / m;
          }
        });
        forwarded++;
        peakMicroBatches = Math.max(peakMicroBatches, forwarded);
        if (countTensors) {
          int tensors = 0;
          for (MicroBatchSlot s : live.values()) {
            tensors += s.heldTensors();
          }
          peakHeldTensors = Math.max(peakHeldTensors, tensors);
        }
      }
      case SEND_ACT -> slot.run(() -> {
        for (PendingSend p : send(groups.activationChannel(vs), vs, groups.toStage(vs), slot.output.value(),
            ids[mb])) {
          slot.sends.add(p.work());
        }
      });
      case RECV_GRAD -> slot.outputGrad = receive(in, slot, ids);
      case BACKWARD -> slot.run(() -> {
        if (chunk.hasHead()) {
          float[] seed = new float[(int) slot.output.value().numel()];
          java.util.Arrays.fill(seed, 1f / m);
          slot.output.backward(Tensor.fromArray(seed, slot.output.value().shape(), DType.F32, device));
        } else {
          slot.output.backward(slot.outputGrad);
        }
      });
      case SEND_GRAD -> slot.run(() -> {
        Tensor g = slot.input.grad();
        if (g == null) {
          throw new IllegalStateException("pipeline: no input gradient for virtual stage " + vs + " micro-batch "
              + mb);
        }
        // The previous stage may take this gradient long after the micro-batch is freed (interleaved warm-up), so
        // the pending sends own their buffers, not the micro-batch: FREE must not wait for the receiver.
        for (PendingSend p : send(groups.gradientChannel(vs - 1), vs - 1, groups.fromStage(vs - 1), g, ids[mb])) {
          Scope.current().keep(p.buffer());
          outbox.add(p);
        }
      });
      case FREE -> {
        forwarded--;
        slot.free();
        live.remove(key(c, mb));
        idle.push(slot);
      }
      default -> throw new UnsupportedOperationException("PipelineExecutor: " + op
          + " (split input/weight backward for zero-bubble schedules) is not implemented");
    }
  }

  /** Receives posted for one instruction: the pieces, their buffers and the pending operations. */
  private record Posted(List<BoundaryTransfer.Piece> pieces, List<Tensor> parts, List<Work> works, long[] block) {}

  /**
   * Posts (asynchronously) the receives of this rank's block of a micro-batch activation (or gradient) over
   * {@code channel} of boundary {@code b} from the ranks of stage {@code fromStage} that hold its parts;
   * {@code ids} is this rank's (rows, seq) micro-batch. Buffers belong to the current scope.
   */
  private Posted post(Communicator channel, int b, int fromStage, Tensor ids) {
    StageShape mine = groups.shape();
    StageShape src = groups.mesh().stage(fromStage);
    long seq = ids.dim(1);
    long rows = ids.dim(0) * mine.dp();
    long dModel = chunks.get(0).config().dModel();
    long[] block = mine.block(groups.localRank(), seq, rows);
    List<BoundaryTransfer.Piece> pieces = BoundaryTransfer.receives(BoundaryTransfer.plan(src, mine, seq, rows),
        groups.localRank());
    List<Tensor> parts = new ArrayList<>();
    List<Work> works = new ArrayList<>();
    for (BoundaryTransfer.Piece p : pieces) {
      Tensor buf = Tensor.empty(Shape.of(p.block()[1], p.block()[3], dModel), DType.F32, device);
      works.add(channel.recvAsync(buf, groups.channelRank(b, fromStage, p.src())));
      parts.add(buf);
    }
    return new Posted(pieces, parts, works, block);
  }

  /** Waits for posted receives and assembles the block; the result belongs to the current scope. */
  private static Tensor finish(Posted posted) {
    posted.works().forEach(Work::await);
    List<BoundaryTransfer.Piece> pieces = posted.pieces();
    List<Tensor> parts = posted.parts();
    if (parts.size() == 1 && java.util.Arrays.equals(pieces.get(0).block(), posted.block())) {
      return parts.get(0);
    }
    // the pieces tile this rank's block as a grid: rows within each sequence range, then the ranges
    List<Tensor> bands = new ArrayList<>();
    int i = 0;
    while (i < pieces.size()) {
      long seqStart = pieces.get(i).block()[0];
      List<Integer> band = new ArrayList<>();
      for (int k = i; k < pieces.size() && pieces.get(k).block()[0] == seqStart; k++) {
        band.add(k);
      }
      band.sort(java.util.Comparator.comparingLong(k -> pieces.get(k).block()[2]));
      Tensor[] row = band.stream().map(parts::get).toArray(Tensor[]::new);
      bands.add(row.length == 1 ? row[0] : TensorOps.concat(1, row));
      i += band.size();
    }
    return bands.size() == 1 ? bands.get(0) : TensorOps.concat(0, bands.toArray(new Tensor[0]));
  }

  /**
   * Pre-posts the receive that follows instruction {@code index} on the same channel, if its micro-batch can hold
   * it now (a gradient needs its micro-batch forwarded): the data then lands while this rank computes.
   */
  private void prePostNext(List<Instruction> program, int index, Tensor[] ids) {
    Instruction done = program.get(index);
    for (int k = index + 1; k < program.size(); k++) {
      Instruction next = program.get(k);
      if (next.op() != done.op() || channelOf(next) != channelOf(done)) {
        continue;
      }
      if (!posted.containsKey(next)) {
        MicroBatchSlot slot = live.get(key(next.chunk(), next.microBatch()));
        if (next.op() == Op.RECV_ACT || (slot != null && slot.output != null)) {
          postFor(next, slot(next.chunk(), next.microBatch(), true), ids);
        }
      }
      return;
    }
  }

  private int channelOf(Instruction in) {
    int vs = schedule.virtualStage(stage, in.chunk());
    return in.op() == Op.RECV_ACT ? vs - 1 : vs;
  }

  private void postFor(Instruction in, MicroBatchSlot slot, Tensor[] ids) {
    int b = channelOf(in);
    Tensor mbIds = ids[in.microBatch()];
    slot.run(() -> posted.put(in, in.op() == Op.RECV_ACT
        ? post(groups.activationChannel(b), b, groups.fromStage(b), mbIds)
        : post(groups.gradientChannel(b), b, groups.toStage(b), mbIds)));
  }

  /** Finishes the receive of {@code in} (posting it first if it was not pre-posted) on its slot's thread. */
  private Tensor receive(Instruction in, MicroBatchSlot slot, Tensor[] ids) {
    if (!posted.containsKey(in)) {
      postFor(in, slot, ids);
    }
    Posted p = posted.remove(in);
    Tensor[] out = new Tensor[1];
    slot.run(() -> out[0] = finish(p));
    return out[0];
  }

  /**
   * Sends this rank's block {@code value} over {@code channel} of boundary {@code b} to the ranks of stage
   * {@code toStage} that need parts of it (asynchronously); returns the pending sends with the buffers they read
   * ({@code value} itself or slices of it made in the current scope).
   */
  private List<PendingSend> send(Communicator channel, int b, int toStage, Tensor value, Tensor ids) {
    StageShape mine = groups.shape();
    StageShape dst = groups.mesh().stage(toStage);
    long seq = ids.dim(1);
    long rows = ids.dim(0) * mine.dp();
    long[] block = mine.block(groups.localRank(), seq, rows);
    List<PendingSend> out = new ArrayList<>();
    for (BoundaryTransfer.Piece p : BoundaryTransfer.sends(BoundaryTransfer.plan(mine, dst, seq, rows),
        groups.localRank())) {
      long[] c = p.block();
      Tensor part = value;
      if (!java.util.Arrays.equals(c, block)) {
        part = TensorOps.slice(value, 0, c[0] - block[0], c[0] - block[0] + c[1]);
        part = TensorOps.slice(part, 1, c[2] - block[2], c[2] - block[2] + c[3]);
      }
      out.add(new PendingSend(channel.sendAsync(part, groups.channelRank(b, toStage, p.dst())), part));
    }
    return out;
  }

  /** Closes the gradients whose sends have completed; with {@code all}, waits for every send first. */
  private void drainOutbox(boolean all) {
    List<PendingSend> done = new ArrayList<>();
    for (java.util.Iterator<PendingSend> it = outbox.iterator(); it.hasNext();) {
      PendingSend p = it.next();
      if (all || p.work().isDone()) {
        done.add(p);
        it.remove();
      }
    }
    RuntimeException failure = null;
    for (PendingSend p : done) {
      try {
        p.work().await();
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
      // one buffer may feed several sends (tensor-parallel replicas on the other side)
      if (outbox.stream().noneMatch(q -> q.buffer() == p.buffer())) {
        p.buffer().close();
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private record PendingSend(Work work, Tensor buffer) {}

  private static long key(int chunk, int mb) {
    return ((long) chunk << 32) | mb;
  }

  private MicroBatchSlot slot(int chunk, int mb, boolean create) {
    MicroBatchSlot s = live.get(key(chunk, mb));
    if (s == null) {
      if (!create) {
        throw new IllegalStateException("pipeline: chunk " + chunk + " micro-batch " + mb
            + " is used before its input was received or forwarded");
      }
      s = idle.isEmpty() ? new MicroBatchSlot("pipeline-r" + rank + "-slot" + slotsMade++) : idle.pop();
      live.put(key(chunk, mb), s);
    }
    return s;
  }

  /** The most micro-batches (over all chunks) whose activations this rank held at once, since construction. */
  public int peakMicroBatches() {
    return peakMicroBatches;
  }

  /** The most tensors held by live micro-batches after a forward (when counting is on), since construction. */
  public int peakHeldTensors() {
    return peakHeldTensors;
  }

  /** Every instruction run so far with its interval (the executor owns the list; read it between steps). */
  public List<TraceEvent> trace() {
    return trace;
  }

  @Override
  public void close() {
    for (MicroBatchSlot s : live.values()) {
      s.close();
    }
    live.clear();
    for (MicroBatchSlot s : idle) {
      s.close();
    }
    idle.clear();
  }
}
