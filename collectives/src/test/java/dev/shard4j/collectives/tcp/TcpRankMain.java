package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.CollectiveChecks;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The program each rank process of {@link TcpProcessTest} runs: joins the group from the environment, runs one
 * scenario and writes its outcome to {@code <dir>/rank<r>.txt} ("ok <checked elements>" or "error <message>").
 * Exits 0 when the scenario behaved as expected.
 */
public final class TcpRankMain {
  private TcpRankMain() {}

  /** {@code TcpRankMain all|kill DIR}. */
  public static void main(String[] args) throws Exception {
    String scenario = args[0];
    Path dir = Path.of(args[1]);
    int rank = Integer.parseInt(System.getenv(TcpCommunicator.ENV_RANK));
    Path result = dir.resolve("rank" + rank + ".txt");
    int status = 0;
    String outcome;
    try (Communicator c = TcpCommunicator.fromEnvironment()) {
      if (scenario.equals("all")) {
        long checked = CollectiveChecks.all(c, TcpCollectivesTest.LENGTHS);
        // 400 KB all-reduces take the ring; 8 KB ones recursive doubling.
        checked += CollectiveChecks.allReduce(c, new long[] {100_003, 2_001});
        // several 1 MiB slices per step for the other ring and chain algorithms
        checked += CollectiveChecks.reduceScatter(c, new long[] {600_001});
        checked += CollectiveChecks.allGather(c, new long[] {600_001});
        checked += CollectiveChecks.allToAll(c, new long[] {600_001});
        TcpCommunicator t = (TcpCommunicator) c;
        outcome = "ok " + checked + " shm-peers " + t.sharedMemoryPeers() + " shm-frames " + t.sharedMemoryFrames();
      } else {
        outcome = killScenario(c, dir);
      }
    } catch (Throwable e) {
      StringWriter w = new StringWriter();
      e.printStackTrace(new PrintWriter(w));
      System.err.println(w);
      outcome = "error " + e.getMessage();
      status = 1;
    }
    Files.writeString(result, outcome, StandardCharsets.UTF_8);
    System.out.println(outcome);
    System.out.flush();
    Runtime.getRuntime().halt(status);
  }

  /**
   * After two all-reduces rank 1 publishes its pid in {@code DIR/pid1} and waits to be killed (the test sends it
   * SIGKILL); the others go on to the third all-reduce and must fail naming rank 1.
   */
  private static String killScenario(Communicator c, Path dir) throws Exception {
    // 20 KB: through the shared-memory rings
    try (Tensor t = Tensor.zeros(Shape.of(5000), DType.F32, Device.CPU)) {
      for (int i = 0; i < 2; i++) {
        c.allReduce(t, ReduceOp.SUM);
      }
      if (c.rank() == 1) {
        Path tmp = dir.resolve("pid1.tmp");
        Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()));
        Files.move(tmp, dir.resolve("pid1"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(60_000);
        return "error still alive";
      }
      try {
        for (int i = 0; i < 100; i++) {
          c.allReduce(t, ReduceOp.SUM);
        }
        return "error no failure";
      } catch (CommunicatorException e) {
        if (!e.getMessage().contains("[1]")) {
          throw e;
        }
        return "failed-as-expected " + e.getMessage();
      }
    }
  }
}
