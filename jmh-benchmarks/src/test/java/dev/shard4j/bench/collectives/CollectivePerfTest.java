package dev.shard4j.bench.collectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The nccl-tests arithmetic, the verifiable inputs, and a short end-to-end run of the tool on the local backend. */
class CollectivePerfTest {
  @Test
  void closedFormReductionsMatchBruteForceOverRanks() {
    for (int size = 1; size <= 8; size++) {
      for (long i = 0; i < 3000; i += 7) {
        double sum = 0;
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        double prod = 1;
        for (int r = 0; r < size; r++) {
          double v = Verifiable.base(i) + r - size / 2;
          sum += v;
          min = Math.min(min, v);
          max = Math.max(max, v);
          prod *= Verifiable.value(ReduceOp.PROD, r, size, i);
        }
        assertEquals(sum, Verifiable.reduced(ReduceOp.SUM, DType.F32, size, i), "sum size " + size + " i " + i);
        assertEquals(sum, Verifiable.reduced(ReduceOp.SUM, DType.BF16, size, i), "bf16 sum is exact up to 8 ranks");
        assertEquals(min, Verifiable.reduced(ReduceOp.MIN, DType.F32, size, i));
        assertEquals(max, Verifiable.reduced(ReduceOp.MAX, DType.F32, size, i));
        assertEquals(prod, Verifiable.reduced(ReduceOp.PROD, DType.F32, size, i));
      }
      assertTrue(Verifiable.exact(ReduceOp.SUM, DType.BF16, size));
    }
    assertTrue(!Verifiable.exact(ReduceOp.SUM, DType.BF16, 16), "16 bf16 ranks overflow the exact range");
  }

  @Test
  void countsAndBusFactorsFollowNcclTests() {
    // all_gather of 1000 bytes fp32 on 3 ranks: count 250, chunk floor(250/3)=83 rounded down to 4 elements = 80.
    assertEquals(80, Collective.ALL_GATHER.paramCount(250, 4, 3));
    assertEquals(240, Collective.ALL_GATHER.recvCount(80, 3));
    assertEquals(240, Collective.REDUCE_SCATTER.sendCount(80, 3));
    assertEquals(250, Collective.ALL_REDUCE.paramCount(250, 4, 3));
    assertEquals(2.0 * 3 / 4, Collective.ALL_REDUCE.busFactor(4));
    assertEquals(3.0 / 4, Collective.ALL_GATHER.busFactor(4));
    assertEquals(3.0 / 4, Collective.ALL_TO_ALL.busFactor(4));
    assertEquals(1.0, Collective.BROADCAST.busFactor(4));
    assertEquals(80.0 * 4 * 3, Collective.REDUCE_SCATTER.algBytes(80, 4, 3));
    assertEquals("2.50", PerfTable.num(2.5, 6));
    assertEquals("123457", PerfTable.num(123456.7, 6));
    assertEquals("1e+07", PerfTable.num(12345678, 6));
  }

  @Test
  void wrongElementsAreCounted() {
    try (Tensor t = Tensor.zeros(Shape.of(1000), DType.F32, Device.CPU)) {
      Verifiable.fill(t, ReduceOp.SUM, 0, 2, 0);
      assertEquals(0, Verifiable.countWrong(t, i -> Verifiable.value(ReduceOp.SUM, 0, 2, i)));
      // Rank 1's input differs from rank 0's by exactly 1 everywhere.
      assertEquals(1000, Verifiable.countWrong(t, i -> Verifiable.value(ReduceOp.SUM, 1, 2, i)));
    }
  }

  @Test
  void everyCollectiveRunsWithoutWrongElementsOnTheLocalBackend(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("out.json");
    int rc = new CommandLine(new CollectivePerf()).execute("all", "-b", "8", "-e", "64K", "-f", "32", "-g", "3", "-n",
        "2", "-w", "1", "-d", "all", "-o", "all", "-r", "1", "-I", "1", "-J", json.toString());
    assertEquals(0, rc);
    String s = Files.readString(json);
    assertTrue(s.contains("\"collective\": \"all_to_all\"") && s.contains("\"type\": \"bfloat16\""), s);
    assertTrue(!s.matches("(?s).*\"nwrong\": [1-9].*"), s);
  }

  @Test
  void badOptionsFailNamingTheOption() {
    int rc = new CommandLine(new CollectivePerf()).execute("all_reduce", "-o", "all_reduce");
    assertTrue(rc != 0);
    rc = new CommandLine(new CollectivePerf()).execute("broadcast", "-g", "2", "-r", "5");
    assertTrue(rc != 0);
  }
}
