package dev.shard4j.collectives.tcp;

/**
 * One rank's part of one algorithm as a list of steps, reused for every call (parallel arrays, no per-call
 * objects). Step {@code s} may send one message to {@code sendPeer[s]} and receive one from {@code recvPeer[s]}; the
 * engine runs the send and the receive of a step concurrently. Messages travel as slices of at most the engine's
 * slice size, and dependencies are per slice, which pipelines multi-step algorithms: slice j of step s is sent as
 * soon as slice j of step s-1 has been received and reduced.
 *
 * <ul>
 *   <li>{@code sendFwd[s]}: the message is the buffers received in step s-1, forwarded unchanged (the ring
 *       passes partial sums along without copying them back to memory); otherwise it is copied from
 *       {@code sendAddr[s]}.
 *   <li>{@code sendDep[s]}: slice j is sent only after slice j of step s-1 was received and processed.
 *   <li>{@code sendAfterStep[s]}: with {@code sendDep}, wait for every slice of step s-1, not just slice j.
 *   <li>{@code recvAfterSend[s]}: slice j is received only after slice j of this step's send was copied out
 *       (recursive doubling reduces into the memory it sends from).
 *   <li>{@code recvAct[s]}: what to do with a received slice (see the {@code ACT_*} constants).
 * </ul>
 *
 * Addresses are absolute native addresses; lengths are in elements. Internal; one thread at a time.
 */
final class Schedule {
  /** Nothing (acknowledgements, barriers). */
  static final int ACT_NONE = 0;
  /** Copy the slice to {@code storeAddr}. */
  static final int ACT_STORE = 1;
  /** {@code slice = slice (op) acc}; the slice is then usually forwarded. */
  static final int ACT_ACC = 2;
  /** {@code slice = slice (op) acc}, then the AVG scaling when {@code finish}, then copy to {@code storeAddr}. */
  static final int ACT_ACC_STORE = 3;
  /** This rank is the lower of the pair: {@code store = store (op) slice}. */
  static final int ACT_COMBINE_LOW = 4;
  /** This rank is the higher of the pair: {@code store = slice (op) store}, so both get identical bits. */
  static final int ACT_COMBINE_HIGH = 5;

  int steps;
  int[] sendPeer;
  long[] sendAddr;
  long[] sendLen;
  boolean[] sendFwd;
  boolean[] sendDep;
  boolean[] sendAfterStep;
  byte[] sendOp;
  int[] recvPeer;
  long[] recvLen;
  int[] recvAct;
  long[] accAddr;
  long[] storeAddr;
  boolean[] finish;
  boolean[] recvAfterSend;
  byte[] recvOp;

  Schedule(int capacity) {
    grow(capacity);
  }

  /** Empties the schedule and makes room for {@code n} steps. */
  void reset(int n) {
    if (sendPeer.length < n) {
      grow(n);
    }
    steps = n;
    for (int s = 0; s < n; s++) {
      sendPeer[s] = -1;
      sendAddr[s] = 0;
      sendLen[s] = 0;
      sendFwd[s] = false;
      sendDep[s] = false;
      sendAfterStep[s] = false;
      sendOp[s] = 0;
      recvPeer[s] = -1;
      recvLen[s] = 0;
      recvAct[s] = ACT_NONE;
      accAddr[s] = 0;
      storeAddr[s] = 0;
      finish[s] = false;
      recvAfterSend[s] = false;
      recvOp[s] = 0;
    }
  }

  void send(int s, int peer, long addr, long len, boolean fwd, boolean dep) {
    sendPeer[s] = peer;
    sendAddr[s] = addr;
    sendLen[s] = len;
    sendFwd[s] = fwd;
    sendDep[s] = dep;
  }

  void recv(int s, int peer, long len, int act, long acc, long store) {
    recvPeer[s] = peer;
    recvLen[s] = len;
    recvAct[s] = act;
    accAddr[s] = acc;
    storeAddr[s] = store;
  }

  private void grow(int n) {
    sendPeer = new int[n];
    sendAddr = new long[n];
    sendLen = new long[n];
    sendFwd = new boolean[n];
    sendDep = new boolean[n];
    sendAfterStep = new boolean[n];
    sendOp = new byte[n];
    recvPeer = new int[n];
    recvLen = new long[n];
    recvAct = new int[n];
    accAddr = new long[n];
    storeAddr = new long[n];
    finish = new boolean[n];
    recvAfterSend = new boolean[n];
    recvOp = new byte[n];
  }
}
