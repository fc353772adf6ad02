package dev.shard4j.collectives.nccl;

/** The operations of {@link NcclCommunicator}, with the name used in messages and what each one needs. */
enum NcclOp {
  ALL_REDUCE("allReduce"),
  ALL_GATHER("allGather"),
  REDUCE_SCATTER("reduceScatter"),
  BROADCAST("broadcast"),
  REDUCE("reduce"),
  ALL_TO_ALL("allToAll"),
  SEND("send"),
  RECV("recv"),
  BARRIER("barrier");

  final String label;

  NcclOp(String label) {
    this.label = label;
  }

  /** True for the operations that take a {@link dev.shard4j.collectives.ReduceOp}. */
  boolean reduces() {
    return this == ALL_REDUCE || this == REDUCE_SCATTER || this == REDUCE;
  }

  /** True for the operations with a root rank. */
  boolean rooted() {
    return this == BROADCAST || this == REDUCE;
  }

  /** True for send and recv, whose rank argument is a peer. */
  boolean pointToPoint() {
    return this == SEND || this == RECV;
  }
}
