package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.local.Kernels;
import dev.shard4j.tensor.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The progress engine of one rank of a TCP group: runs a {@link Schedule} over non-blocking socket channels with
 * one selector, keeping one outbound and one inbound frame in flight and reading the headers of every other peer
 * as they arrive (so a FAIL frame or a closed connection is noticed at once, whichever peer it comes from). Staging
 * buffers ({@link Slab}) are allocated once and reused; a run allocates nothing.
 *
 * <p>To a peer on the same host with a shared-memory ring ({@link Link#outRing}), a payload of at least
 * {@link #SHM_MIN_BYTES} (or a full slice) is written into the ring's next slot and only its header goes on the socket
 * ({@link Frame#DATA_SHM}); the receiver reduces or copies straight from the slot, and a forwarded partial sum is
 * reduced with this rank's chunk directly into the next peer's slot (one pass over the data).
 *
 * <p>Threading: {@link #run} and {@link #propagate} need {@link #lock}; {@link #fail} may be called from any
 * thread and wakes a running engine. Internal.
 */
final class Engine {
  /** Most slices one step may have; callers split larger calls into segments (bounds the staging memory). */
  static final int MAX_SLICES_PER_STEP = 8;
  private static final int POOL = MAX_SLICES_PER_STEP + 3;
  /**
   * Payloads smaller than this (or than one slice, when slices are smaller) stay on the socket: one write carries
   * header and payload, and measured on loopback, single frames of 1-8 KiB were up to 2x slower through a slot.
   */
  static final int SHM_MIN_BYTES = 16 << 10;
  private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);
  /** How long a receiver polls a shared-memory slot before it sleeps in the selector. */
  static final long SPIN_NANOS = 20_000;
  private static final java.util.function.Consumer<SelectionKey> IGNORE_KEY = k -> { };

  /** Builds the exception for a run that made no progress for the timeout, given the peers it waited on. */
  interface TimeoutHandler {
    CommunicatorException timedOut(byte op, long seq, int[] waitingOn, int nWaiting);
  }

  final ReentrantLock lock = new ReentrantLock();
  final int rank;
  final int size;
  final Link[] links;
  final Selector selector;
  final int sliceBytes;
  private final long timeoutNanos;
  private final TimeoutHandler onTimeout;
  /** Whether receivers poll shared-memory slots briefly before sleeping (see {@link #spinForSharedFrame}). */
  private final boolean spin;
  /** {@link #SHM_MIN_BYTES}, or the slice size when that is smaller (tiny slices: full ones take the ring). */
  private final int shmMinBytes;
  private volatile CommunicatorException failure;

  private final Slab[] free = new Slab[POOL];
  private int freeCount;
  private int allocated;
  private final Slab sendSlab;
  private Slab scratch;
  // forwarded slabs: private ones (at most POOL) and shared-memory slots (at most ShmRing.SLOTS unreleased)
  private final Slab[] fwd = new Slab[POOL + ShmRing.SLOTS];
  private int fwdHead;
  private int fwdCount;
  private final int[] waiting = new int[2];
  /** Frames whose payload this rank sent through shared memory (for tests and diagnostics). */
  long shmFramesSent;

  // the call being run
  private Schedule sch;
  private byte op;
  private byte dtypeCode;
  private DType dt;
  private ReduceOp rop;
  private byte ropCode;
  private int root;
  private long seq;
  private long inCount;
  private long outCount;
  private int es;
  private long perSlice;
  // send cursor: the next (or current, when sActive) frame
  private int sStep;
  private int sSlice;
  private boolean sActive;
  private Link sLink;
  private Slab sSlab;
  private ByteBuffer sPayload;
  private boolean sFwd;
  /** The next send waits for a free slot of the peer's shared-memory ring. */
  private boolean shmBlocked;
  // receive cursor: the next slice to complete
  private int rStep;
  private int rSlice;
  private boolean rActive;
  private Link rLink;
  private Slab rSlab;

  Engine(int rank, int size, Link[] links, Selector selector, int sliceBytes, long timeoutNanos,
      TimeoutHandler onTimeout) {
    this.rank = rank;
    this.size = size;
    this.links = links;
    this.selector = selector;
    this.sliceBytes = sliceBytes;
    this.timeoutNanos = timeoutNanos;
    this.onTimeout = onTimeout;
    this.sendSlab = new Slab(sliceBytes);
    int local = 1;
    for (Link l : links) {
      if (l != null && l.inRing != null) {
        local++;
      }
    }
    this.spin = local > 1 && local <= Runtime.getRuntime().availableProcessors();
    this.shmMinBytes = Math.min(SHM_MIN_BYTES, sliceBytes);
  }

  /** Elements of {@code dt} in one slice. */
  long perSlice(DType d) {
    return sliceBytes / d.byteSize();
  }

  CommunicatorException failure() {
    return failure;
  }

  /** Breaks the group (first failure wins) and wakes a running engine. Any thread. */
  void fail(CommunicatorException e) {
    synchronized (this) {
      if (failure == null) {
        failure = e;
      }
    }
    selector.wakeup();
  }

  void checkHealthy() {
    CommunicatorException f = failure;
    if (f != null) {
      throw new CommunicatorException(f.getMessage(), f);
    }
  }

  /** Runs one segment of a call; throws {@link CommunicatorException} when the group fails. Needs {@link #lock}. */
  void run(Schedule s, byte op, DType dt, ReduceOp rop, int root, long seq, long inCount, long outCount) {
    checkHealthy();
    this.sch = s;
    this.op = op;
    this.dt = dt;
    this.dtypeCode = Frame.dtypeCode(dt);
    this.rop = rop;
    this.ropCode = Frame.ropCode(rop);
    this.root = root;
    this.seq = seq;
    this.inCount = inCount;
    this.outCount = outCount;
    this.es = dt.byteSize();
    this.perSlice = perSlice(dt);
    sStep = 0;
    sSlice = 0;
    sActive = false;
    rStep = 0;
    rSlice = 0;
    rActive = false;
    try {
      loop();
    } catch (IOException e) {
      throw failWith(new CommunicatorException(Frame.opName(op) + ": I/O error on rank " + rank + ": " + e, e));
    } catch (CommunicatorException e) {
      throw failWith(e);
    } catch (RuntimeException e) {
      throw failWith(new CommunicatorException(Frame.opName(op) + " failed on rank " + rank + ": " + e, e));
    }
  }

  private CommunicatorException failWith(CommunicatorException e) {
    fail(e);
    CommunicatorException f = failure;
    return f == e ? e : new CommunicatorException(f.getMessage(), f);
  }

  private void loop() throws IOException {
    long lastProgress = System.nanoTime();
    while (true) {
      checkHealthy();
      shmBlocked = false;
      if (Thread.currentThread().isInterrupted()) {
        throw new CommunicatorException(Frame.opName(op) + ": interrupted on rank " + rank + " of " + size);
      }
      boolean progress = pumpHeaders();
      progress |= pumpRecv();
      progress |= pumpSend();
      if (!sActive && !rActive && nextSendStep() >= sch.steps && nextRecvStep() >= sch.steps) {
        return;
      }
      long now = System.nanoTime();
      if (progress) {
        lastProgress = now;
        continue;
      }
      long left = lastProgress + timeoutNanos - now;
      if (left <= 0) {
        int n = 0;
        if (nextRecvStep() < sch.steps) {
          waiting[n++] = sch.recvPeer[rStep];
        }
        if (sActive && (n == 0 || waiting[0] != sLink.peer)) {
          waiting[n++] = sLink.peer;
        } else if (shmBlocked && (n == 0 || waiting[0] != sch.sendPeer[sStep])) {
          waiting[n++] = sch.sendPeer[sStep];
        }
        throw onTimeout.timedOut(op, seq, waiting, n);
      }
      if (shmBlocked) {
        // The peer frees slots without telling the socket: poll the ring (headers are read by the loop anyway),
        // giving the core to the peer that is to free the slot (2 cores, 4 ranks: a 5 us park sleeps ~60 us).
        Thread.yield();
        continue;
      }
      if (spinForSharedFrame()) {
        continue;
      }
      updateInterest();
      // The consumer form does not fill the selected-key set, so waiting allocates nothing.
      selector.select(IGNORE_KEY, Math.max(1, left / 1_000_000));
    }
  }

  /**
   * When the next receive comes from a peer through shared memory, polls that ring's next slot for up to
   * {@link #SPIN_NANOS} before sleeping in the selector: the sender publishes the slot just before it writes the
   * header, so a frame about to arrive is taken without a wake-up. Only when this host has a core for each of the
   * group's ranks on it (otherwise the spinning rank would take the core its sender needs). True when the slot
   * was published.
   */
  private boolean spinForSharedFrame() {
    if (!spin || rActive || rStep >= sch.steps || sch.recvPeer[rStep] < 0) {
      return false;
    }
    Link l = links[sch.recvPeer[rStep]];
    if (l.inRing == null || l.inState != Link.READ_HEADER
        || Math.min(perSlice, sch.recvLen[rStep] - (long) rSlice * perSlice) * es < shmMinBytes) {
      return false; // that frame comes on the socket: nothing to poll
    }
    long end = System.nanoTime() + SPIN_NANOS;
    do {
      if (l.inRing.published()) {
        return true;
      }
      Thread.onSpinWait();
    } while (System.nanoTime() < end);
    return false;
  }

  private void updateInterest() {
    for (Link l : links) {
      if (l == null || l.key == null) {
        continue;
      }
      int ops = 0;
      if (!l.eof && l.inState != Link.PARKED) {
        ops |= SelectionKey.OP_READ;
      }
      if (sActive && l == sLink) {
        ops |= SelectionKey.OP_WRITE;
      }
      if (l.key.interestOps() != ops) {
        l.key.interestOps(ops);
      }
    }
  }

  private int nextSendStep() {
    while (sStep < sch.steps && sch.sendPeer[sStep] < 0) {
      sStep++;
      sSlice = 0;
    }
    return sStep;
  }

  private int nextRecvStep() {
    while (rStep < sch.steps && sch.recvPeer[rStep] < 0) {
      rStep++;
      rSlice = 0;
    }
    return rStep;
  }

  private long slices(long len) {
    return len == 0 ? 1 : (len + perSlice - 1) / perSlice;
  }

  // ---- inbound headers of every peer ----------------------------------------------------------------------

  private boolean pumpHeaders() throws IOException {
    boolean progress = false;
    for (Link l : links) {
      if (l == null || l.eof) {
        continue;
      }
      if (l.inState == Link.READ_HEADER) {
        int n = read(l, l.inHeader);
        progress |= n > 0;
        if (!l.inHeader.hasRemaining()) {
          progress = true;
          if (Frame.magic(l.inHeader) != Frame.MAGIC) {
            throw new CommunicatorException(Frame.opName(op) + ": protocol error on rank " + rank + ": rank "
                + l.peer + " sent a frame with bad magic");
          }
          if (Frame.type(l.inHeader) == Frame.FAIL) {
            int len = Frame.payload(l.inHeader);
            l.failPayload.clear().limit(Math.max(0, Math.min(len, Frame.MAX_FAIL_BYTES)));
            l.inState = Link.READ_FAIL;
          } else {
            l.inState = Link.PARKED;
          }
        }
      }
      if (l.inState == Link.READ_FAIL) {
        progress |= read(l, l.failPayload) > 0;
        if (!l.failPayload.hasRemaining()) {
          l.failPayload.flip();
          byte[] b = new byte[l.failPayload.remaining()];
          l.failPayload.get(b);
          throw new CommunicatorException(new String(b, StandardCharsets.UTF_8));
        }
      }
    }
    return progress;
  }

  /** Reads what is available; on end of stream marks the link closed and fails if the call still needs the peer. */
  private int read(Link l, ByteBuffer b) {
    int n;
    try {
      n = l.channel.read(b);
    } catch (IOException e) {
      n = -1;
    }
    if (n < 0) {
      l.eof = true;
      if (stillNeeds(l.peer)) {
        throw new CommunicatorException(Frame.opName(op) + ": rank " + l.peer + " of " + size
            + " closed its connection to rank " + rank + " (its process exited, was killed, or closed its"
            + " communicator); missing rank(s) [" + l.peer + "]");
      }
      return 0;
    }
    return n;
  }

  private boolean stillNeeds(int peer) {
    if ((sActive && sLink.peer == peer) || (rActive && rLink.peer == peer)) {
      return true;
    }
    for (int s = Math.min(sStep, rStep); s < sch.steps; s++) {
      if ((s >= sStep && sch.sendPeer[s] == peer) || (s >= rStep && sch.recvPeer[s] == peer)) {
        return true;
      }
    }
    return false;
  }

  // ---- receive cursor -------------------------------------------------------------------------------------

  private boolean pumpRecv() {
    boolean progress = false;
    while (true) {
      if (!rActive) {
        int s = nextRecvStep();
        if (s >= sch.steps) {
          return progress;
        }
        if (sch.recvAfterSend[s] && !sendCopied(s, rSlice)) {
          return progress;
        }
        Link l = links[sch.recvPeer[s]];
        if (l.inState != Link.PARKED) {
          if (l.eof) {
            read(l, l.inHeader); // reports the closed peer
          }
          return progress;
        }
        boolean shm = Frame.type(l.inHeader) == Frame.DATA_SHM;
        if (!shm && freeCount == 0 && allocated == POOL) {
          return progress; // a forwarded buffer is still being sent
        }
        int bytes = checkHeader(l, s);
        if (shm) {
          rSlab = l.inRing == null ? null : l.inRing.take(bytes);
          if (rSlab == null) {
            throw new CommunicatorException(Frame.opName(op) + ": protocol error on rank " + rank + ": rank "
                + l.peer + " sent slice " + rSlice + " (step " + s + ") through shared memory, but "
                + (l.inRing == null ? "no shared-memory ring was set up with it"
                    : "the slot of frame " + l.inRing.nextFrame() + " does not hold it"));
          }
        } else {
          rSlab = take();
          rSlab.buf.clear().limit(bytes);
          l.inState = Link.READ_PAYLOAD;
        }
        rLink = l;
        rActive = true;
        progress = true;
      }
      if (rSlab.buf.hasRemaining()) {
        progress |= read(rLink, rSlab.buf) > 0;
        if (rSlab.buf.hasRemaining()) {
          return progress;
        }
      }
      rLink.inHeader.clear();
      rLink.inState = Link.READ_HEADER;
      rActive = false;
      process();
      if (++rSlice == slices(sch.recvLen[rStep])) {
        rStep++;
        rSlice = 0;
      }
      progress = true;
    }
  }

  private boolean sendCopied(int s, int slice) {
    return sStep > s || (sStep == s && (sSlice > slice || (sSlice == slice && sActive)));
  }

  /** Validates the parked header of {@code l} against step {@code s} of this call; returns the payload bytes. */
  private int checkHeader(Link l, int s) {
    ByteBuffer h = l.inHeader;
    byte want = sch.recvOp[s] != 0 ? sch.recvOp[s] : op;
    boolean p2p = want == Frame.SEND || want == Frame.ACK;
    if (Frame.op(h) != want || Frame.dtypeByte(h) != dtypeCode || Frame.rop(h) != ropCode
        || Frame.root(h) != root || Frame.inCount(h) != inCount || Frame.outCount(h) != outCount
        || Frame.seq(h) != seq) {
      String msg;
      if (p2p && (Frame.op(h) == Frame.SEND || Frame.op(h) == Frame.ACK)) {
        msg = "mismatched send/recv: rank " + l.peer + " sent " + Frame.inCount(h) + " elements "
            + Frame.dtype(Frame.dtypeByte(h)) + ", rank " + rank + " receives " + inCount + " elements " + dt;
      } else {
        String mine = Frame.describe(p2p ? (op == Frame.SEND ? Frame.SEND : Frame.RECV) : want, dtypeCode, ropCode,
            root, inCount, outCount);
        String theirs = Frame.describe(h);
        String seqNote = Frame.seq(h) != seq ? " (call #" + seq + " here, #" + Frame.seq(h) + " there)" : "";
        msg = rank < l.peer
            ? "mismatched collectives: rank " + rank + " called " + mine + ", rank " + l.peer + " called " + theirs
            : "mismatched collectives: rank " + l.peer + " called " + theirs + ", rank " + rank + " called " + mine;
        msg += seqNote;
      }
      throw new CommunicatorException(msg);
    }
    long off = (long) rSlice * perSlice;
    long n = Math.min(perSlice, sch.recvLen[s] - off);
    int bytes = (int) (n * es);
    if (Frame.slice(h) != rSlice || Frame.payload(h) != bytes) {
      throw new CommunicatorException(Frame.opName(op) + ": protocol error on rank " + rank + ": rank " + l.peer
          + " sent slice " + Frame.slice(h) + " (its step " + Frame.step(h) + ") with " + Frame.payload(h)
          + " bytes, expected slice " + rSlice + " (step " + s + ") with " + bytes + " bytes");
    }
    return bytes;
  }

  private void process() {
    int s = rStep;
    long offBytes = (long) rSlice * perSlice * es;
    long n = rSlab.buf.limit() / es;
    long buf = rSlab.addr;
    boolean fwdNext = s + 1 < sch.steps && sch.sendFwd[s + 1];
    switch (sch.recvAct[s]) {
      case Schedule.ACT_NONE -> { }
      case Schedule.ACT_STORE -> Kernels.copy(sch.storeAddr[s] + offBytes, buf, n, dt);
      case Schedule.ACT_ACC -> {
        if (fwdNext && rop != ReduceOp.MAX && rop != ReduceOp.MIN) {
          rSlab.pendingAcc = sch.accAddr[s] + offBytes; // reduced by the forwarding send, see startSend
        } else {
          accumulateIntoSlab(sch.accAddr[s] + offBytes, n);
        }
      }
      case Schedule.ACT_ACC_STORE -> {
        long store = sch.storeAddr[s] + offBytes;
        if (!fwdNext && rop != ReduceOp.MAX && rop != ReduceOp.MIN) {
          // store = slice (op) acc straight from the received (or shared) slice: one pass, no copy
          Kernels.combine(rop, store, buf, sch.accAddr[s] + offBytes, n, dt);
          if (sch.finish[s]) {
            Kernels.finish(rop, store, n, dt, size);
          }
        } else {
          accumulateIntoSlab(sch.accAddr[s] + offBytes, n);
          if (sch.finish[s]) {
            Kernels.finish(rop, buf, n, dt, size);
          }
          Kernels.copy(store, buf, n, dt);
        }
      }
      case Schedule.ACT_COMBINE_LOW -> {
        long mem = sch.storeAddr[s] + offBytes;
        if (rop == ReduceOp.MAX || rop == ReduceOp.MIN) {
          Slab scratch = scratch();
          Kernels.copy(scratch.addr, mem, n, dt);
          scratch.minMax(rop == ReduceOp.MAX, rSlab, (int) n, dt);
          Kernels.copy(mem, scratch.addr, n, dt);
        } else {
          Kernels.accumulate(rop, mem, buf, n, dt);
        }
      }
      case Schedule.ACT_COMBINE_HIGH -> {
        accumulateIntoSlab(sch.storeAddr[s] + offBytes, n);
        Kernels.copy(sch.storeAddr[s] + offBytes, buf, n, dt);
      }
      default -> throw new IllegalStateException("unknown receive action " + sch.recvAct[s]);
    }
    if (fwdNext) {
      fwd[(fwdHead + fwdCount) % fwd.length] = rSlab;
      fwdCount++;
    } else {
      release(rSlab);
    }
    rSlab = null;
  }

  /**
   * {@code slice = slice (op) mem}: the native kernels for SUM, AVG and PROD; MIN and MAX copy {@code mem} into a
   * scratch slab and compare in place, so no reduction allocates.
   */
  private void accumulateIntoSlab(long mem, long n) {
    if (rop == ReduceOp.MAX || rop == ReduceOp.MIN) {
      Slab scratch = scratch();
      Kernels.copy(scratch.addr, mem, n, dt);
      rSlab.minMax(rop == ReduceOp.MAX, scratch, (int) n, dt);
    } else {
      Kernels.accumulate(rop, rSlab.addr, mem, n, dt);
    }
  }

  private Slab scratch() {
    if (scratch == null) {
      scratch = new Slab(sliceBytes);
    }
    return scratch;
  }

  // ---- send cursor ----------------------------------------------------------------------------------------

  private boolean pumpSend() throws IOException {
    boolean progress = false;
    while (true) {
      if (!sActive) {
        int s = nextSendStep();
        if (s >= sch.steps) {
          return progress;
        }
        int r = nextRecvStep();
        if (sch.sendFwd[s] ? fwdCount == 0 : sch.sendDep[s]
            && !(r > s - 1 || (r == s - 1 && rSlice > sSlice && !sch.sendAfterStep[s]))) {
          return progress;
        }
        if (!startSend(s)) {
          shmBlocked = true;
          return progress;
        }
        progress = true;
      }
      try {
        if (sLink.channel.write(sLink.gather) > 0) {
          progress = true;
        }
      } catch (IOException e) {
        sLink.eof = true;
        throw new CommunicatorException(Frame.opName(op) + ": connection from rank " + rank + " to rank "
            + sLink.peer + " of " + size + " broke (" + e.getMessage() + "); missing rank(s) [" + sLink.peer + "]",
            e);
      }
      if (sLink.outHeader.hasRemaining() || sPayload.hasRemaining()) {
        return progress;
      }
      sLink.outMidFrame = false;
      sActive = false;
      if (sFwd) {
        release(sSlab);
      }
      sSlab = null;
      sPayload = null;
      if (++sSlice == slices(sch.sendLen[sStep])) {
        sStep++;
        sSlice = 0;
      }
    }
  }

  /**
   * Starts the frame of slice {@code sSlice} of step {@code s}; false (nothing done) when it must go through a
   * shared-memory ring whose next slot the peer has not released yet.
   */
  private boolean startSend(int s) {
    Link l = links[sch.sendPeer[s]];
    if (l.eof) {
      throw new CommunicatorException(Frame.opName(op) + ": rank " + l.peer + " of " + size
          + " closed its connection to rank " + rank + "; missing rank(s) [" + l.peer + "]");
    }
    long off = (long) sSlice * perSlice;
    long n = Math.min(perSlice, sch.sendLen[s] - off);
    int bytes = (int) (n * es);
    ShmRing ring = bytes >= shmMinBytes ? l.outRing : null;
    if (ring != null && !ring.writable()) {
      return false;
    }
    byte type = Frame.DATA;
    if (sch.sendFwd[s]) {
      Slab f = fwd[fwdHead];
      fwd[fwdHead] = null;
      fwdHead = (fwdHead + 1) % fwd.length;
      fwdCount--;
      if (f.buf.limit() != bytes) {
        throw new IllegalStateException("forwarded slice has " + f.buf.limit() + " bytes, expected " + bytes);
      }
      if (ring != null) {
        long dst = ring.slotAddress();
        if (f.pendingAcc != 0) {
          Kernels.combine(rop, dst, f.addr, f.pendingAcc, n, dt); // dst = slice (op) chunk: one pass
        } else {
          Kernels.copy(dst, f.addr, n, dt);
        }
        release(f);
        sSlab = null;
        sFwd = false;
      } else {
        if (f.pendingAcc != 0) {
          Kernels.accumulate(rop, f.addr, f.pendingAcc, n, dt);
          f.pendingAcc = 0;
        }
        f.buf.position(0);
        sSlab = f;
        sFwd = true;
      }
    } else if (ring != null) {
      Kernels.copy(ring.slotAddress(), sch.sendAddr[s] + off * es, n, dt);
      sSlab = null;
      sFwd = false;
    } else {
      sSlab = sendSlab;
      Kernels.copy(sendSlab.addr, sch.sendAddr[s] + off * es, n, dt);
      sendSlab.buf.clear().limit(bytes);
      sFwd = false;
    }
    if (ring != null) {
      ring.publish();
      shmFramesSent++;
      type = Frame.DATA_SHM;
      sPayload = EMPTY;
    } else {
      sPayload = sSlab.buf;
    }
    byte frameOp = sch.sendOp[s] != 0 ? sch.sendOp[s] : op;
    Frame.put(l.outHeader, type, frameOp, dtypeCode, ropCode, root, s, seq, inCount, outCount, sSlice, bytes);
    l.gather[0] = l.outHeader;
    l.gather[1] = sPayload;
    l.outMidFrame = true;
    sLink = l;
    sActive = true;
    return true;
  }

  // ---- staging buffers -----------------------------------------------------------------------------------

  private Slab take() {
    if (freeCount > 0) {
      return free[--freeCount];
    }
    allocated++;
    return new Slab(sliceBytes);
  }

  private void release(Slab s) {
    s.pendingAcc = 0;
    if (s.ring != null) {
      s.ring.release(s);
    } else {
      free[freeCount++] = s;
    }
  }

  /** After a failed run: forget the half-done frames and return every buffer. Needs {@link #lock}. */
  void resetAfterFailure() {
    freeCount = 0;
    allocated = 0;
    fwdCount = 0;
    fwdHead = 0;
    java.util.Arrays.fill(fwd, null);
    java.util.Arrays.fill(free, null);
    sActive = false;
    rActive = false;
  }

  /**
   * Tells every peer that this group failed, with {@code message}, as a FAIL frame, so that their pending and next
   * calls fail with the same reason. A link with a half-written frame is shut down instead (the peer sees the
   * connection close). Bounded: gives up on a peer that does not take the bytes within 200 ms. Needs {@link #lock}.
   */
  void propagate(String message) {
    byte[] b = message.getBytes(StandardCharsets.UTF_8);
    int len = Math.min(b.length, Frame.MAX_FAIL_BYTES);
    ByteBuffer payload = ByteBuffer.allocate(len);
    payload.put(b, 0, len).flip();
    for (Link l : links) {
      if (l == null || l.eof || !l.channel.isOpen()) {
        continue;
      }
      try {
        if (l.outMidFrame) {
          l.channel.shutdownOutput();
          continue;
        }
        Frame.put(l.outHeader, Frame.FAIL, op, dtypeCode, ropCode, root, -1, seq, 0, 0, 0, len);
        ByteBuffer[] g = {l.outHeader, payload.duplicate()};
        long deadline = System.nanoTime() + 200_000_000L;
        while ((g[0].hasRemaining() || g[1].hasRemaining()) && System.nanoTime() < deadline) {
          if (l.channel.write(g) == 0) {
            Thread.onSpinWait();
          }
        }
        if (g[0].hasRemaining() || g[1].hasRemaining()) {
          l.channel.shutdownOutput();
        }
      } catch (IOException e) {
        l.eof = true;
      }
    }
  }
}
