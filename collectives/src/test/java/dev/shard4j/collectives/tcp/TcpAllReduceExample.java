package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;

/** The example of docs/collectives-tcp.md, verbatim apart from the package; run by {@link TcpProcessTest}. */
public class TcpAllReduceExample {
  public static void main(String[] args) {
    try (Communicator comm = TcpCommunicator.fromEnvironment();
        Tensor t = Tensor.fromArray(new float[] {comm.rank(), 1, 2, 3}, 4)) {
      comm.allReduce(t, ReduceOp.SUM);
      // with 4 ranks: [0+1+2+3, 4, 8, 12]
      System.out.println("rank " + comm.rank() + " of " + comm.size() + ": " + Arrays.toString(t.toFloatArray()));
    }
  }
}
