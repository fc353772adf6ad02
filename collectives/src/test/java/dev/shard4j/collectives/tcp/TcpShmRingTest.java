package dev.shard4j.collectives.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slot protocol of {@link ShmRing} on one file mapped twice (as the two ranks of a pair map it): a full ring
 * blocks the sender until the receiver releases the oldest slot, slots may be released out of order, and a header
 * whose payload was never published is refused.
 */
class TcpShmRingTest {
  private static final int SLOT = 1024;

  private static MappedByteBuffer map(Path p) throws Exception {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, ShmRing.fileBytes(SLOT));
    }
  }

  @Test
  void aFullRingBlocksTheSenderUntilTheReceiverReleasesASlot(@TempDir Path dir) throws Exception {
    Path p = Files.createFile(dir.resolve("ring"));
    MappedByteBuffer sender = map(p);
    ShmRing out = new ShmRing(sender, SLOT, false);
    ShmRing in = new ShmRing(map(p), SLOT, true);
    try {
      assertNull(in.take(SLOT), "nothing published yet");
      for (int f = 0; f < ShmRing.SLOTS; f++) {
        assertTrue(out.writable(), "frame " + f);
        int off = (int) (out.slotAddress() - out.addr);
        sender.put(off, (byte) f).put(off + SLOT - 1, (byte) f);
        out.publish();
      }
      assertFalse(out.writable(), "all slots hold unreleased frames");
      Slab first = in.take(SLOT);
      Slab second = in.take(SLOT);
      assertNotNull(first);
      assertEquals(0, first.buf.get(0));
      assertEquals(1, second.buf.get(SLOT - 1));
      in.release(second); // out of order: the slot of frame 0 is still taken
      assertFalse(out.writable());
      in.release(first);
      assertTrue(out.writable(), "frame 16 reuses the slot of frame 0");
      out.publish();
      for (int f = 2; f < ShmRing.SLOTS; f++) {
        in.release(in.take(SLOT));
      }
      Slab again = in.take(SLOT);
      assertNotNull(again, "frame 16");
      assertEquals(0, again.slot);
      assertEquals(ShmRing.SLOTS, again.frame);
    } finally {
      out.close();
      in.close();
    }
  }
}
