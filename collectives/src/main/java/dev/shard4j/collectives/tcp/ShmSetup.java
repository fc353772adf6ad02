package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.CommunicatorException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Sets up the shared-memory rings ({@link ShmRing}) between the ranks of a group that run on the same host, after
 * every connection of the group has been authenticated (so only a member of the job ever learns a file's name).
 *
 * <p>Same host: every rank publishes a host identity in the store (boot id, host name, shared-memory directory);
 * two ranks with equal identities try shared memory, one ring per direction. For each same-host peer a rank
 * creates the file of its outbound ring in {@code /dev/shm} (or {@code java.io.tmpdir}) with owner-only
 * permissions ({@code CREATE_NEW}, mode 0600), named {@code shard4j-<hash of the job token>-<128 random bits>},
 * maps it, writes a random challenge into it and sends name and challenge over the authenticated socket. The peer
 * checks the file (a regular file of this user, mode 0600, the right size, no symbolic link), maps it, checks the
 * challenge, writes its own random response into the file and returns it over the socket; the creator checks the
 * response in its mapping. Only when both checks pass (the memory really is shared, not two files of the same name
 * in two containers) does that direction use the ring. Both sides unlink the file as soon as they have mapped it,
 * so a running job leaves nothing in the directory; {@link ProcessLauncher} also removes the job's files after its
 * ranks exit (a rank killed during setup). Any failure of a direction leaves it on the socket.
 *
 * <p>Static; called by the thread creating a communicator, with the links still in blocking mode. Internal.
 */
final class ShmSetup {
  /** Prefix of every ring file. */
  static final String PREFIX = "shard4j-";
  private static final int CHALLENGE_BYTES = 32;
  private static final int MAX_MESSAGE = 1024;
  /** Rings larger than this (huge slices) are not worth the memory: those pairs use the socket. */
  static final long MAX_RING_BYTES = 64L << 20;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern NAME = Pattern.compile("shard4j-[0-9a-f]{16}-[0-9a-f]{32}");
  private static final Set<PosixFilePermission> OWNER_RW = EnumSet.of(PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE);

  private ShmSetup() {}

  /** The directory ring files are created in: {@code /dev/shm} when it is a writable directory, else tmpdir. */
  static Path directory() {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return shm;
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  /**
   * This host's identity for the store, or {@code "-"} when shared memory is off or unavailable (not Linux, no
   * POSIX permissions, or a ring would exceed {@link #MAX_RING_BYTES}).
   */
  static String identity(TcpOptions o) {
    if (!o.sharedMemory() || ShmRing.fileBytes(o.sliceBytes()) > MAX_RING_BYTES) {
      return "-";
    }
    try {
      Path dir = directory();
      if (!Files.getFileStore(dir).supportsFileAttributeView("posix")) {
        return "-";
      }
      String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
      String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      return boot + "|" + host + "|" + dir.toAbsolutePath();
    } catch (IOException | RuntimeException e) {
      return "-";
    }
  }

  /** The part of the file names that is the same for every file of a job: 64 bits of SHA-256 of the token. */
  static String jobHash(String token) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(("shard4j-shm|" + token)
          .getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** Removes the ring files a job with {@code token} may have left behind (a rank killed during setup). */
  static int removeLeftovers(String token) {
    String prefix = PREFIX + jobHash(token) + "-";
    int n = 0;
    for (Path dir : new Path[] {directory(), Path.of(System.getProperty("java.io.tmpdir"))}) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "*")) {
        for (Path p : ds) {
          if (Files.deleteIfExists(p)) {
            n++;
          }
        }
      } catch (IOException | RuntimeException e) {
        // nothing to clean there
      }
    }
    return n;
  }

  /**
   * Sets up the rings with every peer whose identity equals this rank's ({@code ids[q]}, "-" for none). The links
   * are authenticated and blocking. Directions that fail stay on the socket; I/O errors with a peer (it died)
   * fail the rendezvous.
   */
  static void setup(Link[] links, String[] ids, String token, int rank, int size, int slotBytes, long deadline) {
    String mine = ids[rank];
    if (mine.equals("-")) {
      return;
    }
    Path dir = directory();
    String hash = jobHash(token);
    boolean room = hasRoom(dir, ids, mine, slotBytes, rank);
    Path[] created = new Path[size];
    ShmRing[] out = new ShmRing[size];
    byte[][] challenge = new byte[size][];
    try {
      // 1: create and announce this rank's outbound ring to every same-host peer (no waiting on anyone)
      for (int q = 0; q < size; q++) {
        if (q == rank || !mine.equals(ids[q])) {
          continue;
        }
        String msg = "none";
        if (room) {
          try {
            byte[] rnd = new byte[16];
            RANDOM.nextBytes(rnd);
            Path p = dir.resolve(PREFIX + hash + "-" + HexFormat.of().formatHex(rnd));
            Files.createFile(p, PosixFilePermissions.asFileAttribute(OWNER_RW));
            created[q] = p;
            out[q] = new ShmRing(map(p, slotBytes), slotBytes, false);
            challenge[q] = new byte[CHALLENGE_BYTES];
            RANDOM.nextBytes(challenge[q]);
            out[q].format(challenge[q]);
            msg = "shm " + p.getFileName() + " " + HexFormat.of().formatHex(challenge[q]);
          } catch (IOException | RuntimeException e) {
            if (out[q] != null) {
              out[q].close();
              out[q] = null;
            }
            msg = "none";
            log(rank, q, "cannot create a shared-memory file in " + dir + ": " + e);
          }
        }
        write(links[q], msg, deadline);
      }
      // 2: map every same-host peer's ring, prove it is shared, answer
      for (int q = 0; q < size; q++) {
        if (q == rank || !mine.equals(ids[q])) {
          continue;
        }
        String msg = read(links[q], deadline);
        String answer;
        if (msg.startsWith("shm ")) {
          answer = open(links[q], dir, msg, slotBytes, rank);
        } else {
          answer = "no peer created no file";
        }
        write(links[q], answer, deadline);
      }
      // 3: check the answers to this rank's rings; unlink them
      for (int q = 0; q < size; q++) {
        if (q == rank || !mine.equals(ids[q])) {
          continue;
        }
        String answer = read(links[q], deadline);
        if (out[q] != null) {
          Files.deleteIfExists(created[q]);
          created[q] = null;
          boolean ok = false;
          if (answer.startsWith("ok ")) {
            byte[] resp = HexFormat.of().parseHex(answer.substring(3));
            ok = resp.length == CHALLENGE_BYTES
                && MessageDigest.isEqual(out[q].bytes(ShmRing.RESPONSE, CHALLENGE_BYTES), resp);
          }
          if (ok) {
            links[q].outRing = out[q];
          } else {
            log(rank, q, "shared memory not used towards rank " + q + ": " + answer);
            out[q].close();
          }
          out[q] = null;
        }
      }
    } catch (IOException | RuntimeException e) {
      for (int q = 0; q < size; q++) {
        if (out[q] != null) {
          out[q].close();
        }
        closeRings(links[q]);
      }
      throw new CommunicatorException("rank " + rank + " of " + size + ": setting up shared memory with the"
          + " peers on this host failed: " + e, e);
    } finally {
      for (Path p : created) {
        if (p != null) {
          try {
            Files.deleteIfExists(p);
          } catch (IOException ignored) {
            // removed by the launcher
          }
        }
      }
    }
  }

  /** The peer's announcement "shm NAME CHALLENGE": checks and maps the file; returns the answer to send. */
  private static String open(Link l, Path dir, String msg, int slotBytes, int rank) {
    String[] f = msg.split(" ");
    if (f.length != 3 || !NAME.matcher(f[1]).matches()) {
      return "no bad announcement";
    }
    Path p = dir.resolve(f[1]);
    try {
      PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!a.isRegularFile() || !a.permissions().equals(OWNER_RW)) {
        return "no " + p + " is not a private regular file: " + PosixFilePermissions.toString(a.permissions());
      }
      if (a.size() != ShmRing.fileBytes(slotBytes)) {
        return "no " + p + " has " + a.size() + " bytes, expected " + ShmRing.fileBytes(slotBytes);
      }
      if (!a.owner().getName().equals(System.getProperty("user.name"))) {
        return "no " + p + " is owned by " + a.owner();
      }
      ShmRing ring = new ShmRing(map(p, slotBytes), slotBytes, true);
      Files.deleteIfExists(p); // mapped on both sides now
      if (!ring.matches(HexFormat.of().parseHex(f[2]))) {
        ring.close();
        return "no " + p + " does not hold the announced challenge (not the same memory)";
      }
      byte[] resp = new byte[CHALLENGE_BYTES];
      RANDOM.nextBytes(resp);
      ring.put(ShmRing.RESPONSE, resp);
      l.inRing = ring;
      return "ok " + HexFormat.of().formatHex(resp);
    } catch (IOException | RuntimeException e) {
      return "no rank " + rank + " cannot map " + p + ": " + e;
    }
  }

  /**
   * True when {@code dir} has room for every ring of this host's ranks of the group (one per ordered pair). The
   * files are sparse, so a full file system would only show as a fault when a slot is first written; this check at
   * setup keeps a small {@code /dev/shm} (a container's 64 MiB) on sockets instead. Logs when there is no room.
   */
  private static boolean hasRoom(Path dir, String[] ids, String mine, int slotBytes, int rank) {
    long local = 0;
    for (String id : ids) {
      if (mine.equals(id)) {
        local++;
      }
    }
    long need = local * (local - 1) * ShmRing.fileBytes(slotBytes);
    try {
      long free = Files.getFileStore(dir).getUsableSpace();
      if (free >= need) {
        return true;
      }
      log(rank, -1, dir + " has " + free + " bytes free, the rings of " + local + " ranks need " + need);
    } catch (IOException | RuntimeException e) {
      log(rank, -1, "cannot tell the free space of " + dir + ": " + e);
    }
    return false;
  }

  private static MappedByteBuffer map(Path p, int slotBytes) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS)) {
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, ShmRing.fileBytes(slotBytes));
    }
  }

  /** Unmaps the rings of {@code l} (communicator close, or a failed setup). */
  static void closeRings(Link l) {
    if (l == null) {
      return;
    }
    if (l.outRing != null) {
      l.outRing.close();
      l.outRing = null;
    }
    if (l.inRing != null) {
      l.inRing.close();
      l.inRing = null;
    }
  }

  private static void write(Link l, String msg, long deadline) throws IOException {
    Socket s = l.channel.socket();
    s.setSoTimeout(timeoutMs(deadline));
    byte[] b = msg.getBytes(StandardCharsets.UTF_8);
    OutputStream os = s.getOutputStream();
    DataOutputStream out = new DataOutputStream(os);
    out.writeInt(b.length);
    out.write(b);
    out.flush();
  }

  /** Reads one length-prefixed message, unbuffered (frames of the first collective may follow it). */
  private static String read(Link l, long deadline) throws IOException {
    Socket s = l.channel.socket();
    s.setSoTimeout(timeoutMs(deadline));
    InputStream is = s.getInputStream();
    DataInputStream in = new DataInputStream(is);
    int n = in.readInt();
    if (n < 0 || n > MAX_MESSAGE) {
      throw new IOException("shared-memory setup message from rank " + l.peer + " has " + n + " bytes");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    s.setSoTimeout(0);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static int timeoutMs(long deadline) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000));
  }

  private static void log(int rank, int peer, String what) {
    TcpStoreServer.LOG.log(System.Logger.Level.WARNING, "rank " + rank + ", peer " + peer + ": " + what);
  }
}
