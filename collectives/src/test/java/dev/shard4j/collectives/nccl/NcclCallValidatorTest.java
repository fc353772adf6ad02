package dev.shard4j.collectives.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import org.junit.jupiter.api.Test;

/**
 * The NCCL backend's argument checks, on views of CUDA buffers that this machine need not have: every rejected case
 * names the operation and the offending value, and accepted calls carry NCCL's counts and addresses.
 */
class NcclCallValidatorTest {
  private static final Device GPU = Device.cuda(1);
  private static final int RANK = 2;
  private static final int SIZE = 4;

  private static BufferView buf(long numel, long address) {
    return new BufferView(GPU, DType.F32, numel, address, true, false, "[" + numel + "] f32 cuda:1");
  }

  private static NcclCall ok(NcclOp op, BufferView in, BufferView out, ReduceOp r, int root) {
    return NcclCallValidator.validate(op, in, out, r, root, RANK, SIZE, GPU);
  }

  private static String rejected(NcclOp op, BufferView in, BufferView out, ReduceOp r, int root) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NcclCallValidator.validate(op, in, out, r, root, RANK, SIZE, GPU));
    assertTrue(e.getMessage().startsWith(op.label + ":"), e.getMessage());
    return e.getMessage();
  }

  @Test
  void acceptedCallsCarryNcclCountsAndAddresses() {
    NcclCall ar = ok(NcclOp.ALL_REDUCE, buf(10, 0x1000), buf(10, 0x2000), ReduceOp.AVG, -1);
    assertEquals(10, ar.count());
    assertEquals(0x1000, ar.sendAddr());
    assertEquals(0x2000, ar.recvAddr());
    assertEquals(ReduceOp.AVG, ar.reduceOp());
    assertEquals(-1, ar.rootOrPeer());
    assertEquals(3, ok(NcclOp.ALL_GATHER, buf(3, 0x1000), buf(12, 0x2000), null, -1).count());
    assertEquals(3, ok(NcclOp.REDUCE_SCATTER, buf(12, 0x1000), buf(3, 0x2000), ReduceOp.SUM, -1).count());
    assertEquals(5, ok(NcclOp.ALL_TO_ALL, buf(20, 0x1000), buf(20, 0x2000), null, -1).count());
    BufferView t = buf(7, 0x1000);
    NcclCall bc = ok(NcclOp.BROADCAST, t, t, null, 3);
    assertEquals(3, bc.rootOrPeer());
    assertNull(bc.reduceOp());
    assertEquals(0x1000, bc.recvAddr());
    assertEquals(1, ok(NcclOp.SEND, t, t, null, 1).rootOrPeer());
    assertEquals(0, ok(NcclOp.RECV, t, t, null, 0).rootOrPeer());
    assertEquals("reduce(f32, count 7, MAX, root 0)", ok(NcclOp.REDUCE, t, t, ReduceOp.MAX, 0).describe());
  }

  @Test
  void zeroElementsAreAllowed() {
    assertEquals(0, ok(NcclOp.ALL_REDUCE, buf(0, 0), buf(0, 0), ReduceOp.SUM, -1).count());
    assertEquals(0, ok(NcclOp.ALL_TO_ALL, buf(0, 0x10), buf(0, 0x10), null, -1).count());
  }

  @Test
  void tensorsMustBePresentOpenOnThisDeviceFloatingAndContiguous() {
    BufferView good = buf(4, 0x1000);
    assertTrue(rejected(NcclOp.ALL_REDUCE, null, good, ReduceOp.SUM, -1).contains("in is null"));
    assertTrue(rejected(NcclOp.ALL_GATHER, good, null, null, -1).contains("out is null"));
    BufferView closed = new BufferView(GPU, DType.F32, 0, 0, true, true, "closed tensor");
    assertTrue(rejected(NcclOp.BROADCAST, closed, closed, null, 0).contains("t is closed"));
    BufferView otherGpu = new BufferView(Device.cuda(0), DType.F32, 4, 0x1000, true, false, "[4] f32 cuda:0");
    String m = rejected(NcclOp.ALL_REDUCE, otherGpu, good, ReduceOp.SUM, -1);
    assertTrue(m.contains("in is on cuda:0") && m.contains("runs on cuda:1"), m);
    BufferView host = new BufferView(Device.CPU, DType.F32, 4, 0x1000, true, false, "[4] f32 cpu");
    assertTrue(rejected(NcclOp.ALL_REDUCE, good, host, ReduceOp.SUM, -1).contains("out is on cpu"));
    BufferView ints = new BufferView(GPU, DType.I32, 4, 0x1000, true, false, "[4] i32 cuda:1");
    assertTrue(rejected(NcclOp.SEND, ints, ints, null, 1).contains("dtype I32"));
    BufferView strided = new BufferView(GPU, DType.F32, 4, 0x1000, false, false, "[2, 2] f32 cuda:1 (transposed)");
    assertTrue(rejected(NcclOp.RECV, strided, strided, null, 1).contains("t must be contiguous"));
  }

  @Test
  void dtypesOfOneCallAgree() {
    BufferView bf = new BufferView(GPU, DType.BF16, 4, 0x2000, true, false, "[4] bf16 cuda:1");
    assertTrue(rejected(NcclOp.ALL_REDUCE, buf(4, 0x1000), bf, ReduceOp.SUM, -1).contains("in is F32 but out is BF16"));
  }

  @Test
  void reductionsNeedAReduceOp() {
    BufferView t = buf(4, 0x1000);
    assertTrue(rejected(NcclOp.ALL_REDUCE, t, t, null, -1).contains("reduce op is null"));
    assertTrue(rejected(NcclOp.REDUCE, t, t, null, 0).contains("reduce op is null"));
    assertTrue(rejected(NcclOp.REDUCE_SCATTER, buf(16, 0x1000), buf(4, 0x9000), null, -1)
        .contains("reduce op is null"));
  }

  @Test
  void countsMustMatchTheOperation() {
    assertTrue(rejected(NcclOp.ALL_REDUCE, buf(4, 0x1000), buf(5, 0x9000), ReduceOp.SUM, -1)
        .contains("out has 5 elements, expected in = 4"));
    assertTrue(rejected(NcclOp.ALL_GATHER, buf(4, 0x1000), buf(15, 0x9000), null, -1)
        .contains("out has 15 elements, expected size * in = 4 * 4 = 16"));
    assertTrue(rejected(NcclOp.REDUCE_SCATTER, buf(15, 0x1000), buf(4, 0x9000), ReduceOp.SUM, -1)
        .contains("in has 15 elements, expected size * out = 4 * 4 = 16"));
    assertTrue(rejected(NcclOp.ALL_TO_ALL, buf(6, 0x1000), buf(6, 0x9000), null, -1)
        .contains("in has 6 elements, not divisible by size 4"));
    assertTrue(rejected(NcclOp.ALL_TO_ALL, buf(8, 0x1000), buf(12, 0x9000), null, -1)
        .contains("out has 12 elements, expected in = 8"));
  }

  @Test
  void rootsAndPeersMustBeInRange() {
    BufferView t = buf(4, 0x1000);
    assertTrue(rejected(NcclOp.BROADCAST, t, t, null, 4).contains("root 4 is out of range [0, 4)"));
    assertTrue(rejected(NcclOp.REDUCE, t, t, ReduceOp.SUM, -1).contains("root -1 is out of range"));
    assertTrue(rejected(NcclOp.SEND, t, t, null, RANK).contains("peer 2 is invalid for rank 2 of size 4"));
    assertTrue(rejected(NcclOp.RECV, t, t, null, 9).contains("peer 9 is invalid"));
  }

  @Test
  void inPlaceLayoutsOfNcclAreAcceptedOtherOverlapsRejected() {
    // allGather in place: in is chunk RANK of out (3 floats = 12 bytes per chunk).
    BufferView out = buf(12, 0x1000);
    assertEquals(3, ok(NcclOp.ALL_GATHER, buf(3, 0x1000 + RANK * 12), out, null, -1).count());
    assertTrue(rejected(NcclOp.ALL_GATHER, buf(3, 0x1000 + 12), out, null, -1).contains("overlap"));
    // reduceScatter in place: out is chunk RANK of in.
    BufferView in = buf(12, 0x1000);
    assertEquals(3, ok(NcclOp.REDUCE_SCATTER, in, buf(3, 0x1000 + RANK * 12), ReduceOp.SUM, -1).count());
    assertTrue(rejected(NcclOp.REDUCE_SCATTER, in, buf(3, 0x1000 + 4), ReduceOp.SUM, -1).contains("overlap"));
    // allReduce: two views of one buffer are in place; a shifted view overlaps.
    assertEquals(8, ok(NcclOp.ALL_REDUCE, buf(8, 0x1000), buf(8, 0x1000), ReduceOp.SUM, -1).count());
    assertTrue(rejected(NcclOp.ALL_REDUCE, buf(8, 0x1000), buf(8, 0x1004), ReduceOp.SUM, -1).contains("overlap"));
    // allToAll never in place; adjacent (touching) buffers are fine.
    assertTrue(rejected(NcclOp.ALL_TO_ALL, buf(8, 0x1000), buf(8, 0x1000), null, -1).contains("overlap"));
    assertEquals(2, ok(NcclOp.ALL_TO_ALL, buf(8, 0x1000), buf(8, 0x1000 + 32), null, -1).count());
  }

  @Test
  void sizeOneGroupsAcceptEveryCollective() {
    BufferView t = buf(5, 0x1000);
    NcclCall c = NcclCallValidator.validate(NcclOp.ALL_TO_ALL, t, buf(5, 0x2000), null, -1, 0, 1, GPU);
    assertEquals(5, c.count());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NcclCallValidator.validate(NcclOp.SEND, t, t, null, 0, 0, 1, GPU));
    assertTrue(e.getMessage().contains("peer 0 is invalid for rank 0 of size 1"), e.getMessage());
  }
}
