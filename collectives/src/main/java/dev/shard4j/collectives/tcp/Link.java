package dev.shard4j.collectives.tcp;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The authenticated connection to one peer rank and its framing state: the inbound header being read (or parked
 * until the schedule asks for that peer's next frame), the inbound payload target, and the outbound frame being
 * written, and, for a peer on the same host, the shared-memory rings that carry large payloads in each direction
 * (see {@link ShmRing}; null when that direction uses the socket only). Owned by one {@link Engine}; used by the
 * thread that holds the engine's lock.
 */
final class Link {
  static final int READ_HEADER = 0;
  static final int PARKED = 1;
  static final int READ_PAYLOAD = 2;
  static final int READ_FAIL = 3;

  final int peer;
  final SocketChannel channel;
  SelectionKey key;
  final ByteBuffer inHeader = ByteBuffer.allocateDirect(Frame.HEADER);
  final ByteBuffer outHeader = ByteBuffer.allocateDirect(Frame.HEADER);
  final ByteBuffer failPayload = ByteBuffer.allocateDirect(Frame.MAX_FAIL_BYTES);
  final ByteBuffer[] gather = new ByteBuffer[2];
  int inState = READ_HEADER;
  /** True while an outbound frame is partly written: nothing else may be written until it is complete. */
  boolean outMidFrame;
  /** True once the peer closed its side (or the connection broke). */
  boolean eof;
  /** Payloads this rank sends to the peer go through this ring (null: the socket). */
  ShmRing outRing;
  /** Payloads the peer sends in {@link Frame#DATA_SHM} frames are in this ring. */
  ShmRing inRing;

  Link(int peer, SocketChannel channel) {
    this.peer = peer;
    this.channel = channel;
  }
}
