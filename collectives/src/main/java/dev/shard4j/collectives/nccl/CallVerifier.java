package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Optional cross-rank check that every rank issues the same calls, through the rendezvous {@link Store} (NCCL itself
 * does not check, and a mismatch hangs or corrupts data). Collective number {@code k} of the group: each rank writes
 * the call's description (operation, count, dtype, reduce op, root) at {@code <group>/calls/<k>/<rank>}, waits for
 * every rank's, and fails when one differs, naming both ranks and calls, or when a rank does not arrive within the
 * timeout, naming the missing ranks. Point-to-point message {@code k} from rank s to rank d: s writes its
 * description at {@code <group>/p2p/<s>-<d>/<k>}, d compares count and dtype with its receive. It costs store round
 * trips on every call, blocks each call until its peers issued theirs, and keeps every key in the store, so it is a
 * debugging aid, off by default ({@link NcclBackend#VERIFY_CALLS}). One thread at a time per communicator.
 */
final class CallVerifier {
  private final Store store;
  private final String group;
  private final int rank;
  private final int size;
  private final Duration timeout;
  private long collectives;
  private final long[] sent;
  private final long[] received;

  CallVerifier(Store store, String group, int rank, int size, Duration timeout) {
    this.store = store;
    this.group = group;
    this.rank = rank;
    this.size = size;
    this.timeout = timeout;
    this.sent = new long[size];
    this.received = new long[size];
  }

  /** Checks one call described by {@code call} (see {@link NcclCall#describe()}). */
  void verify(NcclCall call) {
    switch (call.op()) {
      case SEND -> send(call);
      case RECV -> recv(call);
      default -> collective(call.describe());
    }
  }

  private void collective(String mine) {
    String prefix = group + "/calls/" + collectives++ + "/";
    store.set(prefix + rank, mine.getBytes(StandardCharsets.UTF_8));
    List<String> keys = new ArrayList<>(size);
    for (int r = 0; r < size; r++) {
      keys.add(prefix + r);
    }
    try {
      store.await(keys, timeout);
    } catch (CommunicatorException e) {
      throw new CommunicatorException(mine + " on rank " + rank + " of " + size + ": not every rank issued it within "
          + timeout.toMillis() + " ms (" + e.getMessage() + ")", e);
    }
    for (int r = 0; r < size; r++) {
      String theirs = new String(store.get(prefix + r, timeout), StandardCharsets.UTF_8);
      if (!theirs.equals(mine)) {
        throw new CommunicatorException("mismatched collectives: rank " + rank + " called " + mine + ", rank " + r
            + " called " + theirs);
      }
    }
  }

  private void send(NcclCall call) {
    int peer = call.rootOrPeer();
    store.set(group + "/p2p/" + rank + "-" + peer + "/" + sent[peer]++,
        payload(call).getBytes(StandardCharsets.UTF_8));
  }

  private void recv(NcclCall call) {
    int peer = call.rootOrPeer();
    String key = group + "/p2p/" + peer + "-" + rank + "/" + received[peer]++;
    String theirs;
    try {
      theirs = new String(store.get(key, timeout), StandardCharsets.UTF_8);
    } catch (CommunicatorException e) {
      throw new CommunicatorException(call.describe() + " on rank " + rank + " of " + size + ": rank " + peer
          + " did not post the matching send within " + timeout.toMillis() + " ms", e);
    }
    if (!theirs.equals(payload(call))) {
      throw new CommunicatorException("mismatched send/recv: rank " + peer + " sent " + theirs + ", rank " + rank
          + " receives " + payload(call));
    }
  }

  private static String payload(NcclCall call) {
    return call.count() + " elements " + call.dtype();
  }
}
